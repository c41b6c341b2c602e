/**
 * `npm run kafka -- <tool> [tool options]`: runs one of Kafka's own command-line tools (the course's
 * `kafka-topics.sh`, `kafka-console-consumer.sh`, `kafka-consumer-groups.sh`, ...) against the broker
 * of the running `npm run stack -- --kafka apache`, with `--bootstrap-server` and a course-shaped
 * `client.properties` filled in.
 */
import { parseCommandLine, pathOption, runMain, type CommandSpec } from './lib/cli';
import { PipelineError } from '../src/errors';
import { isKafkaTool, KAFKA_TOOLS, runCourseTool } from '../src/local-stack/kafka/kafka-tools';
import { DEFAULT_DATA_DIR } from '../src/local-stack/defaults';
import { findRunningStack } from '../src/local-stack/running-stack';

const SPEC: CommandSpec = {
  name: 'npm run kafka -- [--data-dir DIR] <tool> [tool options]',
  summary: `Runs a Kafka tool (${Object.keys(KAFKA_TOOLS).join(', ')}) from Apache Kafka's jars against the running stack's broker (npm run stack -- --kafka apache), adding --bootstrap-server and the client config (client.properties in <data-dir>/kafka) unless given.`,
  options: {
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'data folder of the running stack',
      default: DEFAULT_DATA_DIR,
    },
  },
  examples: [
    'npm run kafka -- kafka-topics --list',
    'npm run kafka -- kafka-console-consumer --topic localuser.pin --from-beginning --max-messages 5',
    'npm run kafka -- kafka-consumer-groups --describe --all-groups',
  ],
};

export async function main(argv: string[]): Promise<void> {
  const toolAt = argv.findIndex((arg) => isKafkaTool(arg));
  const own = parseCommandLine(SPEC, toolAt < 0 ? argv : argv.slice(0, toolAt));
  if (!own) return;
  if (toolAt < 0)
    throw new PipelineError(
      'USAGE',
      `name a tool: ${Object.keys(KAFKA_TOOLS).join(', ')}; see npm run kafka -- --help`,
    );
  const tool = argv[toolAt];
  if (!isKafkaTool(tool)) throw new PipelineError('USAGE', `unknown tool ${tool}`);
  const dataDir = pathOption(own, 'data-dir', DEFAULT_DATA_DIR);
  const stack = await findRunningStack(dataDir);
  if (stack.kafka?.kind !== 'apache' || !stack.kafka.bootstrap) {
    throw new PipelineError(
      'USAGE',
      `the stack running from ${dataDir} has the embedded Kafka, which Kafka's tools cannot reach; stop it and start npm run stack -- --kafka apache`,
    );
  }
  const run = await runCourseTool({ dataDir, bootstrap: stack.kafka.bootstrap }, tool, argv.slice(toolAt + 1), {
    onCommand: (command) => process.stderr.write(`$ ${command}\n`),
  });
  if (run.code !== 0) {
    process.stderr.write(`error: ${tool} exited with code ${run.code}\n`);
    process.exitCode = run.code;
  }
}

if (require.main === module) runMain(main);
