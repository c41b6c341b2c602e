/**
 * Step 5, streaming: consume the Kinesis streams into the streaming tables. See `--help`.
 * On the local stack it uses the stack running from `.local-stack/` (npm run stack); none running is an error.
 */
import { parseCommandLine, runMain } from './lib/cli';
import type { ConsumeSummary } from '../src/streaming/consume-streams';
import { runStreamCommand, STREAM_COMMAND, type StreamCommandIo } from './lib/stream-command';

export const SPEC = STREAM_COMMAND;

/** Parses `argv` and consumes until caught up (or, with `--follow`, Ctrl-C or `--duration`); returns the summary (undefined after --help). */
export async function main(argv: string[], io: StreamCommandIo = {}): Promise<ConsumeSummary | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  return runStreamCommand(values, io);
}

if (require.main === module) runMain(main);
