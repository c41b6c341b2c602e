/** The doctor's defaults, apart from the code that runs it: `npm run doctor -- --help` shows them without loading it. */

/** How long the marked record may take to reach S3: MSK Connect with flush.size=1 takes seconds to a minute. */
export const DEFAULT_SINK_TIMEOUT_MS = { aws: 60_000, local: 15_000 } as const;
