/**
 * Emulated users posting on the batch path (Kafka through the REST Proxy). See `--help`.
 * On the local stack it uses the stack running from `.local-stack/` (npm run stack); none running is an error.
 */
import { parseCommandLine, runMain } from './lib/cli';
import { emulationCommandSpec, runEmulationCommand, type EmulationCommandIo } from './lib/emulation-command';
import type { EmulationSummary } from '../src/emulation/ledger';

export const SPEC = emulationCommandSpec('batch');

/** Parses `argv`, runs the batch path and returns its summary (undefined after --help); fails (exit code 1, one line) when the run was stopped by an error or a record was neither acknowledged nor quarantined. */
export async function main(argv: string[], io: EmulationCommandIo = {}): Promise<EmulationSummary | undefined> {
  const values = parseCommandLine(SPEC, argv);
  if (!values) return undefined;
  const summary = await runEmulationCommand('batch', values, io);
  return summary;
}

if (require.main === module) runMain(main);
