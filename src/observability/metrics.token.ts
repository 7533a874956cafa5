/** The app's MetricsService, or null when METRICS_ENABLED is off (the observers then count nothing). */
export const METRICS = Symbol('METRICS');
