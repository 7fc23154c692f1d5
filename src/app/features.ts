import { effectsUnavailable } from '../playbooks/effects.ts';
import { PlaybooksFeature } from '../playbooks/feature.ts';
import type { Feature } from './feature.ts';

/** Every feature of the product, in the order they see citizen messages. */
export const features: Feature[] = [new PlaybooksFeature(effectsUnavailable)];
