/**
 * The level of a line about the nth failure in a row of something retried for as long as it takes: the first and every
 * tenth are warnings, the rest debug, so an outage shows in the logs without a line for every attempt.
 */
export const repeatedFailureLevel = (failures: number): 'warn' | 'debug' => (failures === 1 || failures % 10 === 0 ? 'warn' : 'debug');
