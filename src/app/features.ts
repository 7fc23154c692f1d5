import { broadcastFeature } from '../broadcast/broadcast-feature.ts';
import { citizensFeature } from '../citizens/citizens-feature.ts';
import type { Feature } from './feature.ts';

/** Every feature of the product, in the order they see citizen messages. */
export const features: Feature[] = [citizensFeature, broadcastFeature];
