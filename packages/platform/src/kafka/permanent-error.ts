/** Thrown by a handler for a message that can never succeed (retrying is pointless): it goes to the DLQ at once. */
export class PermanentError extends Error {}
