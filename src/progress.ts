import { Format, SingleBar, Presets, type Options, type Params } from 'cli-progress';

/** cli-progress' own formatter, given the format string chosen for this redraw. */
function formatWith(format: string, options: Options, params: Params, payload: object): string {
  return Format.Formatter({ ...options, format }, params, payload);
}

export interface Progress {
  /** Adds to the done count; `fields` update the counters shown after the bar. */
  increment(by?: number, fields?: Record<string, string | number>): void;
  update(done: number, fields?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  /** What `done` counts up to; 0 while unknown: then a count is shown without a percentage. */
  total: number;
  /** Counter names shown after the bar, e.g. ['acked', 'retried']. */
  fields?: string[];
  stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when the stream is not a terminal. */
  plainEverySeconds?: number;
  /** Force plain lines (tests, CI logs), or silence everything. */
  mode?: 'auto' | 'plain' | 'silent';
}

/** A live bar on a terminal; periodic plain lines otherwise (CI logs, notebooks). */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const fields = options.fields ?? [];
  const values: Record<string, string | number> = Object.fromEntries(fields.map((f) => [f, 0]));
  let total = options.total;
  let done = 0;
  const started = Date.now();
  const rate = () => {
    const seconds = (Date.now() - started) / 1000;
    return seconds > 0 ? Math.round(done / seconds) : 0;
  };
  const mode = options.mode ?? 'auto';
  if (mode === 'silent') {
    return {
      increment: (by = 1) => {
        done += by;
      },
      update: (n) => {
        done = n;
      },
      setTotal: (t) => {
        total = t;
      },
      stop: () => {},
    };
  }
  if (mode === 'auto' && stream.isTTY) {
    const extra = fields.map((f) => `${f} {${f}}`).join(' | ');
    const tail = ` | {rate}/s${extra ? ` | ${extra}` : ''} | {duration_formatted}`;
    // A known total gets a bar and a percentage; an unknown one (0) a plain count.
    const format = (params: { total: number }) =>
      params.total > 0
        ? `${options.label} [{bar}] {percentage}% {value}/{total}${tail}`
        : `${options.label} {value}${tail}`;
    const bar = new SingleBar(
      {
        format: (formatOptions, params, payload) => formatWith(format(params), formatOptions, params, payload),
        stream,
        hideCursor: true,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0, { ...values, rate: 0 });
    return {
      increment: (by = 1, f) => {
        done += by;
        Object.assign(values, f);
        bar.update(done, { ...values, rate: rate() });
      },
      update: (n, f) => {
        done = n;
        Object.assign(values, f);
        bar.update(done, { ...values, rate: rate() });
      },
      setTotal: (t) => {
        total = t;
        bar.setTotal(t);
      },
      stop: once(() => {
        bar.update(done, { ...values, rate: rate() });
        bar.stop();
      }),
    };
  }
  const every = (options.plainEverySeconds ?? 5) * 1000;
  let last = started;
  let printed = false;
  const line = () => {
    printed = true;
    const extra = fields.map((f) => ` ${f}=${values[f]}`).join('');
    stream.write(`${options.label}: ${total > 0 ? `${done}/${total}` : done} (${rate()}/s)${extra}\n`);
  };
  const maybeLine = () => {
    const now = Date.now();
    if (now - last >= every) {
      last = now;
      line();
    }
  };
  return {
    increment: (by = 1, f) => {
      done += by;
      Object.assign(values, f);
      maybeLine();
    },
    update: (n, f) => {
      done = n;
      Object.assign(values, f);
      maybeLine();
    },
    setTotal: (t) => {
      total = t;
    },
    // A wait of unknown length that ended before its first line needs no closing line either.
    stop: once(() => {
      if (total > 0 || printed) line();
    }),
  };
}

/** `f` the first time, nothing after: a progress display stops once. */
function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      f();
    }
  };
}
