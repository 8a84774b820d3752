package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

func init() {
	register(subcommand{name: "iam", summary: "manage users, policies and access keys for --auth iam; simulate a policy decision", run: runIAM})
}

// serverKeyEnv is the environment variable that holds the server key when no file is given.
const serverKeyEnv = "STEPFLOW_IAM_KEY"

// loadServerKey reads the server key from the file, or else from $STEPFLOW_IAM_KEY. The key is
// never printed or logged; errors say where it was looked for, not what was found.
func loadServerKey(file string) ([]byte, error) {
	var data []byte
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read server key: %w", err)
		}
		data = b
	case os.Getenv(serverKeyEnv) != "":
		data = []byte(os.Getenv(serverKeyEnv))
	default:
		return nil, &serverConfigError{Field: "iam-key-file", Msg: "--auth iam needs the server key that seals access key secrets: --iam-key-file FILE or " +
			serverKeyEnv + " (make one with: openssl rand -hex 32)"}
	}
	key, err := iam.ParseServerKey(data)
	if err != nil {
		where := "$" + serverKeyEnv
		if file != "" {
			where = file
		}
		return nil, &serverConfigError{Field: "iam-key-file", Msg: where + ": " + err.Error()}
	}
	return key, nil
}

func openDirectory(st store.Store, scope sfn.Scope, keyFile string) (*iam.Directory, error) {
	key, err := loadServerKey(keyFile)
	if err != nil {
		return nil, err
	}
	box, err := iam.NewSecretBox(key)
	if err != nil {
		return nil, err
	}
	return iam.NewDirectory(st, box, scope, nil), nil
}

// principalCommands are the create, list, delete, put-policy and delete-policy subcommands of
// one kind of principal (noun "user" or "role"): the same for both but for names.
func principalCommands(kind store.PrincipalKind, noun, listKey, tagHelp, deleteHelp string) []iamCommand {
	nameFlag := noun + "-name"
	return []iamCommand{
		{name: "create-" + noun, usage: "--" + nameFlag + " NAME [--tag KEY=VALUE ...]", flags: func(fs *flag.FlagSet) func(context.Context, *iam.Directory, io.Writer) error {
			name := fs.String(nameFlag, "", "the "+noun+"'s name")
			var tags stringList
			fs.Var(&tags, "tag", tagHelp)
			return func(ctx context.Context, d *iam.Directory, out io.Writer) error {
				return createPrincipal(ctx, d, out, kind, *name, tags)
			}
		}},
		{name: "list-" + noun + "s", flags: func(fs *flag.FlagSet) func(context.Context, *iam.Directory, io.Writer) error {
			return func(ctx context.Context, d *iam.Directory, out io.Writer) error {
				principals, err := d.ListPrincipals(ctx, kind)
				if err != nil {
					return err
				}
				list := []any{}
				for _, p := range principals {
					list = append(list, principalJSON(p))
				}
				return writeJSON(out, map[string]any{listKey: list})
			}
		}},
		{name: "delete-" + noun, usage: "--" + nameFlag + " NAME", flags: func(fs *flag.FlagSet) func(context.Context, *iam.Directory, io.Writer) error {
			name := fs.String(nameFlag, "", deleteHelp)
			return func(ctx context.Context, d *iam.Directory, out io.Writer) error {
				return d.DeletePrincipal(ctx, kind, *name)
			}
		}},
		{name: "put-" + noun + "-policy", usage: "--" + nameFlag + " NAME --policy-name NAME --policy-document JSON|file://PATH", flags: func(fs *flag.FlagSet) func(context.Context, *iam.Directory, io.Writer) error {
			name := fs.String(nameFlag, "", "the "+noun)
			policyName := fs.String("policy-name", "", "the inline policy's name; a policy of that name is replaced")
			document := fs.String("policy-document", "", "the policy, as JSON or file://PATH")
			return func(ctx context.Context, d *iam.Directory, out io.Writer) error {
				doc, err := readDocument(*document)
				if err != nil {
					return err
				}
				return d.PutPolicy(ctx, kind, *name, *policyName, doc)
			}
		}},
		{name: "delete-" + noun + "-policy", usage: "--" + nameFlag + " NAME --policy-name NAME", flags: func(fs *flag.FlagSet) func(context.Context, *iam.Directory, io.Writer) error {
			name := fs.String(nameFlag, "", "the "+noun)
			policyName := fs.String("policy-name", "", "the inline policy's name")
			return func(ctx context.Context, d *iam.Directory, out io.Writer) error {
				return d.DeletePolicy(ctx, kind, *name, *policyName)
			}
		}},
	}
}

// iamCommand is one `stepflow iam NAME` subcommand: its flags beyond the common ones and what
// it does with the directory.
type iamCommand struct {
	name    string
	usage   string
	needKey bool // the command seals a secret: the server key is required
	flags   func(fs *flag.FlagSet) func(ctx context.Context, d *iam.Directory, out io.Writer) error
}

var iamCommands = slices.Concat(
	principalCommands(store.PrincipalUser, "user", "Users", "KEY=VALUE tag of the user, for aws:PrincipalTag/KEY conditions (repeatable)", "the user to delete, with its policies and access keys"),
	principalCommands(store.PrincipalRole, "role", "Roles", "KEY=VALUE tag of the role (repeatable)", "the role to delete, with its policies"),
	[]iamCommand{
		{name: "get-user-policy", usage: "--user-name NAME --policy-name NAME", flags: func(fs *flag.FlagSet) func(context.Context, *iam.Directory, io.Writer) error {
			name := fs.String("user-name", "", "the user")
			policyName := fs.String("policy-name", "", "the inline policy's name")
			return func(ctx context.Context, d *iam.Directory, out io.Writer) error {
				p, err := d.Principal(ctx, store.PrincipalUser, *name)
				if err != nil {
					return err
				}
				for _, pp := range p.Policies {
					if pp.Name == *policyName {
						return writeJSON(out, map[string]any{"UserName": p.Name, "PolicyName": pp.Name, "PolicyDocument": json.RawMessage(pp.Document)})
					}
				}
				return &iam.Error{Code: iam.CodeNoSuchEntity, Message: fmt.Sprintf("The user policy with name %s cannot be found.", *policyName)}
			}
		}},
		{name: "create-access-key", usage: "--user-name NAME", needKey: true, flags: func(fs *flag.FlagSet) func(context.Context, *iam.Directory, io.Writer) error {
			name := fs.String("user-name", "", "the user; it may have two keys")
			return func(ctx context.Context, d *iam.Directory, out io.Writer) error {
				k, err := d.CreateAccessKey(ctx, *name)
				if err != nil {
					return err
				}
				// The secret is shown this once; the store keeps it sealed.
				return writeJSON(out, map[string]any{"AccessKey": map[string]any{
					"UserName": *name, "AccessKeyId": k.ID, "Status": k.Status, "SecretAccessKey": k.Secret, "CreateDate": k.CreatedDate.UTC().Format(time.RFC3339),
				}})
			}
		}},
		{name: "list-access-keys", usage: "--user-name NAME", flags: func(fs *flag.FlagSet) func(context.Context, *iam.Directory, io.Writer) error {
			name := fs.String("user-name", "", "the user")
			return func(ctx context.Context, d *iam.Directory, out io.Writer) error {
				keys, err := d.ListAccessKeys(ctx, *name)
				if err != nil {
					return err
				}
				list := []any{}
				for _, k := range keys {
					list = append(list, map[string]any{"UserName": *name, "AccessKeyId": k.ID, "Status": k.Status, "CreateDate": k.CreatedDate.UTC().Format(time.RFC3339)})
				}
				return writeJSON(out, map[string]any{"AccessKeyMetadata": list})
			}
		}},
		{name: "update-access-key", usage: "--user-name NAME --access-key-id ID --status Active|Inactive", flags: func(fs *flag.FlagSet) func(context.Context, *iam.Directory, io.Writer) error {
			name := fs.String("user-name", "", "the user")
			id := fs.String("access-key-id", "", "the key")
			status := fs.String("status", "", "Active or Inactive: an Inactive key is refused at once by every server sharing the database")
			return func(ctx context.Context, d *iam.Directory, out io.Writer) error {
				return d.UpdateAccessKey(ctx, *name, *id, store.AccessKeyStatus(*status))
			}
		}},
		{name: "delete-access-key", usage: "--user-name NAME --access-key-id ID", flags: func(fs *flag.FlagSet) func(context.Context, *iam.Directory, io.Writer) error {
			name := fs.String("user-name", "", "the user")
			id := fs.String("access-key-id", "", "the key")
			return func(ctx context.Context, d *iam.Directory, out io.Writer) error {
				return d.DeleteAccessKey(ctx, *name, *id)
			}
		}},
		{name: "simulate", usage: "--principal USER|ARN --action states:ACTION --resource ARN|* [--context KEY=VALUE ...]", flags: func(fs *flag.FlagSet) func(context.Context, *iam.Directory, io.Writer) error {
			principal := fs.String("principal", "", "a user name, or a user or role ARN")
			action := fs.String("action", "", "the action, such as states:StartExecution")
			resource := fs.String("resource", "*", "the resource ARN the action is checked on")
			var contextValues stringList
			fs.Var(&contextValues, "context", "KEY=VALUE condition key of the request, such as aws:SourceIp=10.0.0.1 (repeatable; repeat a key for several values)")
			return func(ctx context.Context, d *iam.Directory, out io.Writer) error {
				return simulate(ctx, d, out, *principal, *action, *resource, contextValues)
			}
		}},
	},
)

func createPrincipal(ctx context.Context, d *iam.Directory, out io.Writer, kind store.PrincipalKind, name string, tagFlags []string) error {
	var tags []store.Tag
	for _, t := range tagFlags {
		k, v, ok := strings.Cut(t, "=")
		if !ok || k == "" {
			return fmt.Errorf("--tag %q: want KEY=VALUE", t)
		}
		tags = append(tags, store.Tag{Key: k, Value: v})
	}
	p, err := d.CreatePrincipal(ctx, kind, name, tags)
	if err != nil {
		return err
	}
	field := "User"
	if kind == store.PrincipalRole {
		field = "Role"
	}
	return writeJSON(out, map[string]any{field: principalJSON(p)})
}

func principalJSON(p *store.Principal) map[string]any {
	nameField, idField := "UserName", "UserId"
	if p.Kind == store.PrincipalRole {
		nameField, idField = "RoleName", "RoleId"
	}
	policies := []string{}
	for _, pp := range p.Policies {
		policies = append(policies, pp.Name)
	}
	return map[string]any{nameField: p.Name, idField: p.ID, "Arn": p.ARN, "CreateDate": p.CreatedDate.UTC().Format(time.RFC3339), "PolicyNames": policies}
}

// readDocument reads a policy given inline or, as the AWS CLI does, as file://PATH.
func readDocument(arg string) (string, error) {
	if path, ok := strings.CutPrefix(arg, "file://"); ok {
		data, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("read policy document: %w", err)
		}
		return string(data), nil
	}
	if arg == "" {
		return "", errors.New("--policy-document is required")
	}
	return arg, nil
}

// simulate evaluates one request against a principal's policies and prints the decision, the
// statement that decided and, for a denial, AWS's AccessDenied message.
func simulate(ctx context.Context, d *iam.Directory, out io.Writer, principal, action, resource string, contextValues []string) error {
	arn := principal
	if !strings.HasPrefix(principal, "arn:") {
		arn = d.UserARN(principal)
	}
	if action == "" {
		return errors.New("--action is required")
	}
	given := iam.Context{}
	values := map[string][]string{}
	var keys []string
	for _, kv := range contextValues {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("--context %q: want KEY=VALUE", kv)
		}
		if _, seen := values[k]; !seen {
			keys = append(keys, k)
		}
		values[k] = append(values[k], v)
	}
	for _, k := range keys {
		given.Set(k, values[k]...)
	}
	results, err := d.Simulate(ctx, arn, []string{action}, []string{resource}, given, time.Now())
	if err != nil {
		return err
	}
	return writeJSON(out, map[string]any{"EvaluationResults": results})
}

func runIAM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := func() {
		fmt.Fprintln(stderr, "usage: stepflow iam COMMAND [--db FILE | --postgres DSN] [--account ID] [--iam-key-file F] [flags]")
		fmt.Fprintln(stderr, "\ncommands:")
		for _, c := range iamCommands {
			fmt.Fprintf(stderr, "  %-20s %s\n", c.name, c.usage)
		}
	}
	if len(args) == 0 {
		usage()
		return exitError{Code: 2}
	}
	var cmd *iamCommand
	for i := range iamCommands {
		if iamCommands[i].name == args[0] {
			cmd = &iamCommands[i]
		}
	}
	if cmd == nil {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			usage()
			return nil
		}
		fmt.Fprintf(stderr, "stepflow iam: unknown command %q\n\n", args[0])
		usage()
		return exitError{Code: 2}
	}
	fs := flag.NewFlagSet("iam "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "SQLite database file (default ./.stepflow/stepflow.db)")
	pg := fs.String("postgres", "", "PostgreSQL DSN, instead of SQLite")
	account := fs.String("account", sfn.DefaultAccount, "account id of the principals' ARNs (the server's --account)")
	region := fs.String("region", sfn.DefaultRegion, "region of the server (the server's --region)")
	keyFile := fs.String("iam-key-file", "", "file holding the server key (default $"+serverKeyEnv+"); needed by create-access-key")
	run := cmd.flags(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: stepflow iam %s %s [--db FILE | --postgres DSN] [--account ID]\n", cmd.name, cmd.usage)
		fs.PrintDefaults()
	}
	positional, err := parseAll(fs, args[1:])
	if err != nil {
		return exitError{Code: 2}
	}
	if len(positional) != 0 {
		fs.Usage()
		return exitError{Code: 2}
	}
	cfg := serverConfig{DB: *db, Postgres: *pg, Account: *account, Region: *region}
	if cfg.DB == "" && cfg.Postgres == "" {
		cfg.DB = "./.stepflow/stepflow.db"
	}
	if len(cfg.Account) != 12 || strings.Trim(cfg.Account, "0123456789") != "" {
		return &serverConfigError{Field: "account", Msg: fmt.Sprintf("must be 12 digits, not %q", cfg.Account)}
	}
	st, err := openStore(ctx, &cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	scope := sfn.Scope{Partition: sfn.DefaultPartition, Region: cfg.Region, Account: cfg.Account}
	var d *iam.Directory
	if cmd.needKey {
		if d, err = openDirectory(st, scope, *keyFile); err != nil {
			return err
		}
	} else {
		// Commands that seal nothing need no server key.
		d = iam.NewDirectory(st, nil, scope, nil)
	}
	return run(ctx, d, stdout)
}
