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

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/stepflow/stepflow/api/iamadmin"
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

// adminCaller runs an admin API action: in-process on the database (iamadmin.Local) or
// over HTTP with --endpoint (iamadmin.Client).
type adminCaller interface {
	Call(ctx context.Context, action string, in, out any) error
}

// adminCall is what a command asks of the admin API.
type adminCall struct {
	action string
	input  any
}

// iamCommand is one `stepflow iam NAME` subcommand: its flags beyond the common ones and the
// admin API call it makes of them.
type iamCommand struct {
	name    string
	usage   string
	needKey bool // the command seals a secret: the server key is required on the database
	flags   func(fs *flag.FlagSet, account *string) func() (adminCall, error)
}

// principalCommands are the create, get, list, delete, put-policy, get-policy and
// delete-policy subcommands of one kind of principal (noun "user" or "role"): the same for
// both but for names.
func principalCommands(noun, title, tagHelp, deleteHelp string) []iamCommand {
	nameFlag, nameMember := noun+"-name", title+"Name"
	named := func(fs *flag.FlagSet, help string) *string { return fs.String(nameFlag, "", help) }
	return []iamCommand{
		{name: "create-" + noun, usage: "--" + nameFlag + " NAME [--tag KEY=VALUE ...]", flags: func(fs *flag.FlagSet, _ *string) func() (adminCall, error) {
			name := named(fs, "the "+noun+"'s name")
			var tags stringList
			fs.Var(&tags, "tag", tagHelp)
			return func() (adminCall, error) {
				list, err := tagList(tags)
				if err != nil {
					return adminCall{}, err
				}
				return adminCall{"Create" + title, map[string]any{nameMember: *name, "Tags": list}}, nil
			}
		}},
		{name: "get-" + noun, usage: "--" + nameFlag + " NAME", flags: func(fs *flag.FlagSet, _ *string) func() (adminCall, error) {
			name := named(fs, "the "+noun)
			return func() (adminCall, error) { return adminCall{"Get" + title, map[string]any{nameMember: *name}}, nil }
		}},
		{name: "list-" + noun + "s", flags: func(fs *flag.FlagSet, _ *string) func() (adminCall, error) {
			return func() (adminCall, error) { return adminCall{"List" + title + "s", map[string]any{}}, nil }
		}},
		{name: "tag-" + noun, usage: "--" + nameFlag + " NAME --tag KEY=VALUE ...", flags: func(fs *flag.FlagSet, _ *string) func() (adminCall, error) {
			name := named(fs, "the "+noun)
			var tags stringList
			fs.Var(&tags, "tag", "KEY=VALUE tag to add or change (repeatable)")
			return func() (adminCall, error) {
				list, err := tagList(tags)
				if err != nil {
					return adminCall{}, err
				}
				return adminCall{"Tag" + title, map[string]any{nameMember: *name, "Tags": list}}, nil
			}
		}},
		{name: "untag-" + noun, usage: "--" + nameFlag + " NAME --tag-key KEY ...", flags: func(fs *flag.FlagSet, _ *string) func() (adminCall, error) {
			name := named(fs, "the "+noun)
			var keys stringList
			fs.Var(&keys, "tag-key", "key of a tag to remove (repeatable)")
			return func() (adminCall, error) {
				return adminCall{"Untag" + title, map[string]any{nameMember: *name, "TagKeys": []string(keys)}}, nil
			}
		}},
		{name: "list-" + noun + "-tags", usage: "--" + nameFlag + " NAME", flags: func(fs *flag.FlagSet, _ *string) func() (adminCall, error) {
			name := named(fs, "the "+noun)
			return func() (adminCall, error) {
				return adminCall{"List" + title + "Tags", map[string]any{nameMember: *name}}, nil
			}
		}},
		{name: "delete-" + noun, usage: "--" + nameFlag + " NAME", flags: func(fs *flag.FlagSet, _ *string) func() (adminCall, error) {
			name := named(fs, deleteHelp)
			return func() (adminCall, error) { return adminCall{"Delete" + title, map[string]any{nameMember: *name}}, nil }
		}},
		{name: "put-" + noun + "-policy", usage: "--" + nameFlag + " NAME --policy-name NAME --policy-document JSON|file://PATH", flags: func(fs *flag.FlagSet, _ *string) func() (adminCall, error) {
			name := named(fs, "the "+noun)
			policyName := fs.String("policy-name", "", "the inline policy's name; a policy of that name is replaced")
			document := fs.String("policy-document", "", "the policy, as JSON or file://PATH")
			return func() (adminCall, error) {
				doc, err := readDocument(*document)
				if err != nil {
					return adminCall{}, err
				}
				return adminCall{"Put" + title + "Policy", map[string]any{nameMember: *name, "PolicyName": *policyName, "PolicyDocument": doc}}, nil
			}
		}},
		{name: "get-" + noun + "-policy", usage: "--" + nameFlag + " NAME --policy-name NAME", flags: func(fs *flag.FlagSet, _ *string) func() (adminCall, error) {
			name := named(fs, "the "+noun)
			policyName := fs.String("policy-name", "", "the inline policy's name")
			return func() (adminCall, error) {
				return adminCall{"Get" + title + "Policy", map[string]any{nameMember: *name, "PolicyName": *policyName}}, nil
			}
		}},
		{name: "delete-" + noun + "-policy", usage: "--" + nameFlag + " NAME --policy-name NAME", flags: func(fs *flag.FlagSet, _ *string) func() (adminCall, error) {
			name := named(fs, "the "+noun)
			policyName := fs.String("policy-name", "", "the inline policy's name")
			return func() (adminCall, error) {
				return adminCall{"Delete" + title + "Policy", map[string]any{nameMember: *name, "PolicyName": *policyName}}, nil
			}
		}},
	}
}

// tagList reads --tag KEY=VALUE flags.
func tagList(flags []string) ([]iamadmin.Tag, error) {
	list := []iamadmin.Tag{}
	for _, t := range flags {
		k, v, ok := strings.Cut(t, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--tag %q: want KEY=VALUE", t)
		}
		list = append(list, iamadmin.Tag{Key: k, Value: v})
	}
	return list, nil
}

// accessKeyCommand is a command on one of a user's access keys.
func accessKeyCommand(name, usage, action string, withID, withStatus bool) iamCommand {
	return iamCommand{name: name, usage: usage, needKey: action == "CreateAccessKey", flags: func(fs *flag.FlagSet, _ *string) func() (adminCall, error) {
		user := fs.String("user-name", "", "the user (with --endpoint, default: the caller)")
		var id, status *string
		if withID {
			id = fs.String("access-key-id", "", "the key")
		}
		if withStatus {
			status = fs.String("status", "", "Active or Inactive: an Inactive key is refused at once by every server sharing the database")
		}
		return func() (adminCall, error) {
			in := map[string]any{}
			if *user != "" {
				in["UserName"] = *user
			}
			if id != nil {
				in["AccessKeyId"] = *id
			}
			if status != nil {
				in["Status"] = *status
			}
			return adminCall{action, in}, nil
		}
	}}
}

var iamCommands = slices.Concat(
	principalCommands("user", "User", "KEY=VALUE tag of the user, for aws:PrincipalTag/KEY conditions and stepflow:rate-limit (repeatable)", "the user to delete, with its policies and access keys"),
	principalCommands("role", "Role", "KEY=VALUE tag of the role (repeatable)", "the role to delete, with its policies"),
	[]iamCommand{
		accessKeyCommand("create-access-key", "--user-name NAME", "CreateAccessKey", false, false),
		accessKeyCommand("list-access-keys", "--user-name NAME", "ListAccessKeys", false, false),
		accessKeyCommand("update-access-key", "--user-name NAME --access-key-id ID --status Active|Inactive", "UpdateAccessKey", true, true),
		accessKeyCommand("delete-access-key", "--user-name NAME --access-key-id ID", "DeleteAccessKey", true, false),
		{name: "simulate", usage: "--principal USER|ARN --action states:ACTION --resource ARN|* [--context KEY=VALUE ...]", flags: func(fs *flag.FlagSet, account *string) func() (adminCall, error) {
			principal := fs.String("principal", "", "a user name, or a user or role ARN")
			action := fs.String("action", "", "the action, such as states:StartExecution")
			resource := fs.String("resource", "*", "the resource ARN the action is checked on")
			var contextValues stringList
			fs.Var(&contextValues, "context", "KEY=VALUE condition key of the request, such as aws:SourceIp=10.0.0.1 (repeatable; repeat a key for several values)")
			return func() (adminCall, error) {
				if *action == "" {
					return adminCall{}, errors.New("--action is required")
				}
				arn := *principal
				if !strings.HasPrefix(arn, "arn:") {
					arn = "arn:" + sfn.DefaultPartition + ":iam::" + *account + ":user/" + arn
				}
				values := map[string][]string{}
				var keys []string
				for _, kv := range contextValues {
					k, v, ok := strings.Cut(kv, "=")
					if !ok || k == "" {
						return adminCall{}, fmt.Errorf("--context %q: want KEY=VALUE", kv)
					}
					if _, seen := values[k]; !seen {
						keys = append(keys, k)
					}
					values[k] = append(values[k], v)
				}
				entries := []iamadmin.ContextEntry{}
				for _, k := range keys {
					entries = append(entries, iamadmin.ContextEntry{ContextKeyName: k, ContextKeyValues: values[k]})
				}
				return adminCall{"SimulatePrincipalPolicy", iamadmin.SimulateInput{PolicySourceArn: arn, ActionNames: []string{*action},
					ResourceArns: []string{*resource}, ContextEntries: entries}}, nil
			}
		}},
	},
)

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

// printAnswer prints an admin API answer as the AWS CLI does: nothing for an empty one, and
// a policy document as JSON rather than as a string.
func printAnswer(out io.Writer, answer map[string]any) error {
	if len(answer) == 0 {
		return nil
	}
	if doc, ok := answer["PolicyDocument"].(string); ok && json.Valid([]byte(doc)) {
		answer["PolicyDocument"] = json.RawMessage(doc)
	}
	return writeJSON(out, answer)
}

func runIAM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := func() {
		fmt.Fprintln(stderr, "usage: stepflow iam COMMAND [--db FILE | --postgres DSN | --endpoint URL] [--account ID] [--iam-key-file F] [flags]")
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
	endpoint := fs.String("endpoint", "", "a server's URL: go through its admin API, signed with the AWS credentials of the environment (AWS_ACCESS_KEY_ID, AWS_PROFILE, ...), instead of the database")
	account := fs.String("account", sfn.DefaultAccount, "account id of the principals' ARNs (the server's --account)")
	region := fs.String("region", sfn.DefaultRegion, "region of the server (the server's --region)")
	keyFile := fs.String("iam-key-file", "", "file holding the server key (default $"+serverKeyEnv+"); needed by create-access-key on the database")
	build := cmd.flags(fs, account)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: stepflow iam %s %s [--db FILE | --postgres DSN | --endpoint URL] [--account ID]\n", cmd.name, cmd.usage)
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
	if len(*account) != 12 || strings.Trim(*account, "0123456789") != "" {
		return &serverConfigError{Field: "account", Msg: fmt.Sprintf("must be 12 digits, not %q", *account)}
	}
	call, err := build()
	if err != nil {
		return err
	}
	var caller adminCaller
	if *endpoint != "" {
		if *db != "" || *pg != "" {
			return &serverConfigError{Field: "endpoint", Msg: "give either --endpoint or --db/--postgres, not both"}
		}
		if caller, err = adminClient(ctx, *endpoint, *region); err != nil {
			return err
		}
	} else {
		cfg := serverConfig{DB: *db, Postgres: *pg, Account: *account, Region: *region}
		if cfg.DB == "" && cfg.Postgres == "" {
			cfg.DB = "./.stepflow/stepflow.db"
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
		caller = iamadmin.NewLocal(d)
	}
	var answer map[string]any
	if err := caller.Call(ctx, call.action, call.input, &answer); err != nil {
		return err
	}
	return printAnswer(stdout, answer)
}

// adminClient is the admin API of the server at endpoint, signing with the AWS credentials
// the environment names, as the AWS CLI finds them.
func adminClient(ctx context.Context, endpoint, region string) (*iamadmin.Client, error) {
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("AWS credentials for --endpoint: %w", err)
	}
	creds, err := awsCfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS credentials for --endpoint (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE): %w", err)
	}
	return &iamadmin.Client{Endpoint: endpoint, Region: region, Credentials: creds}, nil
}
