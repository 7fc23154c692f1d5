import { whatsappFeature } from '../transport/baileys/whatsapp-feature.ts';
import type { Feature } from './feature.ts';
import { membershipGuardFeature } from './membership-guard.ts';

/** Every feature of the product, in the order they see citizen messages. */
export const features: Feature[] = [membershipGuardFeature, whatsappFeature];
