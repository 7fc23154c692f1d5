import { dashboardFeature } from '../http/dashboard/dashboard-feature.ts';
import type { Feature } from './feature.ts';

/** Every feature of the product, in the order they see citizen messages. */
export const features: Feature[] = [dashboardFeature];
