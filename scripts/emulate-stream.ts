/**
 * Emulated users posting on the streaming path (Kinesis through the SDK or API Gateway). See `--help`.
 * On the local stack it uses the stack running from `.local-stack/`, or starts one for the run.
 */
import { parseCommandLine, runMain } from '../src/cli';
import { emulationCommandSpec, runEmulationCommand, type EmulationCommandIo } from '../src/emulation/command';
import type { EmulationSummary } from '../src/emulation/ledger';

export const SPEC = emulationCommandSpec('stream');

/** Parses `argv`, runs the streaming path and returns its summary (undefined after --help); exit code 1 unless every record was acknowledged or quarantined. */
export async function main(argv: string[], io: EmulationCommandIo = {}): Promise<EmulationSummary | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const summary = await runEmulationCommand('stream', values, io);
  if (!summary.ok) process.exitCode = 1;
  return summary;
}

if (require.main === module) runMain(main);
