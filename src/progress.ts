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

/** What a display counts, shared by the steps below: done so far, out of `total`, and the counters after the bar. */
interface Counts {
  label: string;
  fields: string[];
  values: Record<string, string | number>;
  total: number;
  done: number;
  started: number;
}

/** Done per second since the start, rounded. */
function rate(counts: Counts): number {
  const seconds = (Date.now() - counts.started) / 1000;
  return seconds > 0 ? Math.round(counts.done / seconds) : 0;
}

/** A live bar on a terminal; periodic plain lines otherwise (CI logs, notebooks). */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const fields = options.fields ?? [];
  const counts: Counts = {
    label: options.label,
    fields,
    values: Object.fromEntries(fields.map((f) => [f, 0])),
    total: options.total,
    done: 0,
    started: Date.now(),
  };
  const mode = options.mode ?? 'auto';
  if (mode === 'silent') return silentProgress(counts);
  if (mode === 'auto' && stream.isTTY) return barProgress(counts, stream);
  return plainProgress(counts, stream, (options.plainEverySeconds ?? 5) * 1000);
}

/** Counts and shows nothing. */
function silentProgress(counts: Counts): Progress {
  return {
    increment: (by = 1) => {
      counts.done += by;
    },
    update: (n) => {
      counts.done = n;
    },
    setTotal: (t) => {
      counts.total = t;
    },
    stop: () => {},
  };
}

/** A cli-progress bar redrawn on every change, on a terminal. */
function barProgress(counts: Counts, stream: NodeJS.WriteStream): Progress {
  const { values } = counts;
  const extra = counts.fields.map((f) => `${f} {${f}}`).join(' | ');
  const tail = ` | {rate}/s${extra ? ` | ${extra}` : ''} | {duration_formatted}`;
  // A known total gets a bar and a percentage; an unknown one (0) a plain count.
  const format = (params: { total: number }) =>
    params.total > 0
      ? `${counts.label} [{bar}] {percentage}% {value}/{total}${tail}`
      : `${counts.label} {value}${tail}`;
  const bar = new SingleBar(
    {
      format: (formatOptions, params, payload) => formatWith(format(params), formatOptions, params, payload),
      stream,
      hideCursor: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  bar.start(counts.total, 0, { ...values, rate: 0 });
  return {
    increment: (by = 1, f) => {
      counts.done += by;
      Object.assign(values, f);
      bar.update(counts.done, { ...values, rate: rate(counts) });
    },
    update: (n, f) => {
      counts.done = n;
      Object.assign(values, f);
      bar.update(counts.done, { ...values, rate: rate(counts) });
    },
    setTotal: (t) => {
      counts.total = t;
      bar.setTotal(t);
    },
    stop: once(() => {
      bar.update(counts.done, { ...values, rate: rate(counts) });
      bar.stop();
    }),
  };
}

/** A plain line at most every `every` milliseconds, and a last one at the stop (CI logs, notebooks). */
function plainProgress(counts: Counts, stream: NodeJS.WriteStream, every: number): Progress {
  const { values } = counts;
  let last = counts.started;
  let printed = false;
  const line = () => {
    printed = true;
    const extra = counts.fields.map((f) => ` ${f}=${values[f]}`).join('');
    const { done, total } = counts;
    stream.write(`${counts.label}: ${total > 0 ? `${done}/${total}` : done} (${rate(counts)}/s)${extra}\n`);
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
      counts.done += by;
      Object.assign(values, f);
      maybeLine();
    },
    update: (n, f) => {
      counts.done = n;
      Object.assign(values, f);
      maybeLine();
    },
    setTotal: (t) => {
      counts.total = t;
    },
    // A wait of unknown length that ended before its first line needs no closing line either.
    stop: once(() => {
      if (counts.total > 0 || printed) line();
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
