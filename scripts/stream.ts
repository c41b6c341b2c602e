/**
 * Step 5, streaming: consume the Kinesis streams into the streaming tables. See `--help`.
 * On the local stack it uses the stack running from `.local-stack/`, or starts one from that folder.
 */
import { parseCommandLine, runMain } from './lib/cli';
import type { ConsumeSummary } from '../src/streaming/consume-streams';
import { runStreamCommand, STREAM_COMMAND, type StreamCommandIo } from './lib/stream-command';

export const SPEC = STREAM_COMMAND;

/** Parses `argv` and consumes until Ctrl-C, `--duration` or `--until-idle`; returns the summary (undefined after --help). */
export async function main(argv: string[], io: StreamCommandIo = {}): Promise<ConsumeSummary | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  return runStreamCommand(values, io);
}

if (require.main === module) runMain(main);
