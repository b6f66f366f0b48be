// Command line: `tsunagi [validate|components] [--config X ...] [--set k::k=v ...]`,
// with `--flag value` and `--flag=value` forms.

export type Command = 'run' | 'validate' | 'components' | 'help' | 'version';

export interface Args {
  command: Command;
  /** --config values in order, then --set values as `yaml:` sources. */
  configs: string[];
  /** --config-dir: the team fragment directory. */
  configDir?: string;
  /** --watch: reload when a config file or the fragment directory changes. */
  watch: boolean;
  errors: string[];
}

const COMMANDS = new Set(['validate', 'components', 'help', 'version']);

export function parseArgs(argv: readonly string[]): Args {
  const args: Args = { command: 'run', configs: [], watch: false, errors: [] };
  const sets: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const value = () => {
      if (inline !== undefined) return inline;
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) {
        args.errors.push(`flag ${flag} needs a value`);
        return undefined;
      }
      i++;
      return v;
    };
    switch (flag) {
      case '--config':
      case '-c': {
        const v = value();
        if (v !== undefined) args.configs.push(v);
        break;
      }
      case '--config-dir': {
        const v = value();
        if (v !== undefined) args.configDir = v;
        break;
      }
      case '--watch':
        args.watch = true;
        break;
      case '--set': {
        const v = value();
        if (v === undefined) break;
        const e = v.indexOf('=');
        if (e <= 0) args.errors.push(`--set ${v}: expected key::path=value`);
        else sets.push(`yaml:${v.slice(0, e)}: ${v.slice(e + 1)}`);
        break;
      }
      case '--help':
      case '-h':
        args.command = 'help';
        break;
      case '--version':
      case '-v':
        args.command = 'version';
        break;
      default:
        if (COMMANDS.has(a) && args.command === 'run') args.command = a as Command;
        else args.errors.push(`unknown argument "${a}"`);
    }
  }
  args.configs.push(...sets);
  return args;
}

export const USAGE = `Usage: tsunagi [command] [flags]

OpenTelemetry Collector-compatible telemetry gateway.

Commands:
  (none)       run the pipelines until SIGTERM/SIGINT
  validate     check the configuration without starting anything
  components   list the available components per kind

Flags:
  --config <uri>        config source; repeat to merge (later wins). A file path, file:<path>,
                        env:<VAR> (YAML in a variable) or "yaml:<key::path>: <value>".
                        Without --config the embedded default config is used.
  --set <key::path=v>   set one value, e.g. --set processors::batch::timeout=2s (applied last)
  --config-dir <dir>    team config fragments, one <team>.yaml each, namespaced by team and
                        limited to what the base config's \`fragments\` map exposes
                        (docs/operating.md); a broken fragment is refused alone
  --watch               reload when a config file or the fragment directory changes
                        (SIGHUP always reloads): applied by difference, refused whole if invalid
  -h, --help            this help
  -v, --version         print the version

Environment:
  TSUNAGI_SHUTDOWN_TIMEOUT  graceful shutdown deadline (Go duration, e.g. 45s; a bare number is seconds; default 30s)
`;
