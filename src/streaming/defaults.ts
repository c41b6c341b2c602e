/** The streaming step's defaults, apart from the code that runs it: `npm run stream -- --help` shows them without loading it. */

/** Default file name of the streaming quarantine, in the output folder. */
export const STREAM_QUARANTINE_FILE = 'streaming-quarantine.jsonl';
