/** The emulation's defaults, apart from the code that runs it: the scripts' `--help` shows them without loading it. */

/** Seed of the random row selection, the same for npm start and the emulation scripts: both pick the same posts. */
export const DEFAULT_EMULATION_SEED = 42;
