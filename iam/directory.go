package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// MaxAccessKeysPerUser is AWS's quota of access keys per user: two, enough to rotate one
// while the other is in use.
const MaxAccessKeysPerUser = 2

// Error is an IAM API error with AWS's code and message (EntityAlreadyExists, NoSuchEntity,
// LimitExceeded, ValidationError, MalformedPolicyDocument).
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The IAM error codes.
const (
	CodeEntityAlreadyExists     = "EntityAlreadyExists"
	CodeNoSuchEntity            = "NoSuchEntity"
	CodeLimitExceeded           = "LimitExceeded"
	CodeValidationError         = "ValidationError"
	CodeMalformedPolicyDocument = "MalformedPolicyDocument"
)

// Directory keeps the principals, their policies and their access keys in the store, with
// secrets sealed by the server key. It reads the store on every authentication: a key made
// Inactive or deleted is refused at the next request on every server sharing the database.
type Directory struct {
	store store.Store
	box   *SecretBox
	scope sfn.Scope
	now   func() time.Time

	// parsed caches parsed policy documents by their text: a document is parsed once, however
	// many requests it decides.
	parsedMu sync.Mutex
	parsed   map[string]*Policy
}

// maxParsedPolicies bounds the parsed-policy cache; it is emptied when it grows past it.
const maxParsedPolicies = 4096

// NewDirectory returns a directory over the store. now is the clock for creation dates.
func NewDirectory(st store.Store, box *SecretBox, scope sfn.Scope, now func() time.Time) *Directory {
	if now == nil {
		now = time.Now
	}
	return &Directory{store: st, box: box, scope: scope, now: now, parsed: map[string]*Policy{}}
}

// Store is the store the directory keeps principals in.
func (d *Directory) Store() store.Store { return d.store }

// Scope is the partition and account principals belong to.
func (d *Directory) Scope() sfn.Scope { return d.scope }

// nameRE is AWS's pattern for user and role names: 1 to 64 of [\w+=,.@-].
var nameRE = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// policyNameRE is AWS's pattern for policy names: 1 to 128 of [\w+=,.@-].
var policyNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)

func validName(member, name string, re *regexp.Regexp) error {
	if !re.MatchString(name) {
		return &Error{Code: CodeValidationError, Message: fmt.Sprintf(
			"The specified value for %s is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-", member)}
	}
	return nil
}

// UserARN returns arn:PARTITION:iam::ACCOUNT:user/NAME.
func (d *Directory) UserARN(name string) string {
	return "arn:" + d.scope.Partition + ":iam::" + d.scope.Account + ":user/" + name
}

// RoleARN returns arn:PARTITION:iam::ACCOUNT:role/NAME.
func (d *Directory) RoleARN(name string) string {
	return "arn:" + d.scope.Partition + ":iam::" + d.scope.Account + ":role/" + name
}

func (d *Directory) principalARN(kind store.PrincipalKind, name string) string {
	if kind == store.PrincipalRole {
		return d.RoleARN(name)
	}
	return d.UserARN(name)
}

// MaxPrincipalTags is IAM's quota of tags per user or role.
const MaxPrincipalTags = 50

// validTags checks tags as IAM does: keys of 1 to 128 characters, values of up to 256, and at
// most MaxPrincipalTags on a principal once added to the existing ones.
func validTags(kind store.PrincipalKind, existing, tags []store.Tag) error {
	keys := map[string]bool{}
	for _, t := range existing {
		keys[t.Key] = true
	}
	for _, t := range tags {
		if n := len([]rune(t.Key)); n < 1 || n > 128 {
			return &Error{Code: CodeValidationError, Message: fmt.Sprintf("1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128", t.Key)}
		}
		if len([]rune(t.Value)) > 256 {
			return &Error{Code: CodeValidationError, Message: "1 validation error detected: Value at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"}
		}
		keys[t.Key] = true
	}
	if len(keys) > MaxPrincipalTags {
		return &Error{Code: CodeLimitExceeded, Message: fmt.Sprintf("The number of tags has reached the maximum limit of %d for this %s.", MaxPrincipalTags, kind)}
	}
	return nil
}

// CreatePrincipal creates a user or a role with tags.
func (d *Directory) CreatePrincipal(ctx context.Context, kind store.PrincipalKind, name string, tags []store.Tag) (*store.Principal, error) {
	member, prefix := "userName", "AIDA"
	if kind == store.PrincipalRole {
		member, prefix = "roleName", "AROA"
	}
	if err := validName(member, name, nameRE); err != nil {
		return nil, err
	}
	if err := validTags(kind, nil, tags); err != nil {
		return nil, err
	}
	arn := d.principalARN(kind, name)
	p, err := d.store.PrincipalCreate(ctx, &store.PrincipalCreateParams{
		ARN: arn, Kind: kind, Name: name, ID: prefix + randomID(17), CreatedDate: d.now(),
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, &Error{Code: CodeEntityAlreadyExists, Message: fmt.Sprintf("%s with name %s already exists.", kindTitle(kind), name)}
	}
	if err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		if err := d.store.TagSet(ctx, &store.TagSetParams{ResourceARN: arn, Tags: tags}); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func kindTitle(kind store.PrincipalKind) string {
	if kind == store.PrincipalRole {
		return "Role"
	}
	return "User"
}

// Principal returns a user or role by name.
func (d *Directory) Principal(ctx context.Context, kind store.PrincipalKind, name string) (*store.Principal, error) {
	p, err := d.store.PrincipalGetByARN(ctx, &store.PrincipalGetByARNParams{ARN: d.principalARN(kind, name)})
	if errors.Is(err, store.ErrNotFound) {
		return nil, noSuchPrincipal(kind, name)
	}
	return p, err
}

func noSuchPrincipal(kind store.PrincipalKind, name string) *Error {
	return &Error{Code: CodeNoSuchEntity, Message: fmt.Sprintf("The %s with name %s cannot be found.", kind, name)}
}

// PrincipalTags lists a user's or role's tags.
func (d *Directory) PrincipalTags(ctx context.Context, kind store.PrincipalKind, name string) ([]store.Tag, error) {
	p, err := d.Principal(ctx, kind, name)
	if err != nil {
		return nil, err
	}
	return d.store.TagList(ctx, &store.TagListParams{ResourceARN: p.ARN})
}

// TagPrincipal adds tags to a user or role, replacing the values of keys it has. A change to
// a user's tags decides its next request (aws:PrincipalTag, the stepflow:rate-limit tag).
func (d *Directory) TagPrincipal(ctx context.Context, kind store.PrincipalKind, name string, tags []store.Tag) error {
	existing, err := d.PrincipalTags(ctx, kind, name)
	if err != nil {
		return err
	}
	if err := validTags(kind, existing, tags); err != nil {
		return err
	}
	return d.store.TagSet(ctx, &store.TagSetParams{ResourceARN: d.principalARN(kind, name), Tags: tags})
}

// UntagPrincipal removes tags of a user or role by key; keys it lacks are ignored.
func (d *Directory) UntagPrincipal(ctx context.Context, kind store.PrincipalKind, name string, keys []string) error {
	if _, err := d.Principal(ctx, kind, name); err != nil {
		return err
	}
	return d.store.TagDelete(ctx, &store.TagDeleteParams{ResourceARN: d.principalARN(kind, name), Keys: keys})
}

// ListPrincipals lists the users or the roles.
func (d *Directory) ListPrincipals(ctx context.Context, kind store.PrincipalKind) ([]*store.Principal, error) {
	return d.store.PrincipalList(ctx, &store.PrincipalListParams{Kind: kind})
}

// DeletePrincipal deletes a user or role with its policies, tags and keys.
func (d *Directory) DeletePrincipal(ctx context.Context, kind store.PrincipalKind, name string) error {
	err := d.store.PrincipalDelete(ctx, &store.PrincipalDeleteParams{ARN: d.principalARN(kind, name)})
	if errors.Is(err, store.ErrNotFound) {
		return noSuchPrincipal(kind, name)
	}
	return err
}

// PutPolicy validates a policy document and attaches it inline to a user or role under a
// name, replacing the policy of that name.
func (d *Directory) PutPolicy(ctx context.Context, kind store.PrincipalKind, name, policyName, document string) error {
	if err := validName("policyName", policyName, policyNameRE); err != nil {
		return err
	}
	if _, err := ParsePolicy(document); err != nil {
		var mp *MalformedPolicyError
		if errors.As(err, &mp) {
			return &Error{Code: CodeMalformedPolicyDocument, Message: mp.Message}
		}
		return err
	}
	err := d.store.PrincipalPolicyPut(ctx, &store.PrincipalPolicyPutParams{PrincipalARN: d.principalARN(kind, name), Name: policyName, Document: document})
	if errors.Is(err, store.ErrNotFound) {
		return noSuchPrincipal(kind, name)
	}
	return err
}

// DeletePolicy removes an inline policy.
func (d *Directory) DeletePolicy(ctx context.Context, kind store.PrincipalKind, name, policyName string) error {
	if _, err := d.Principal(ctx, kind, name); err != nil {
		return err
	}
	err := d.store.PrincipalPolicyDelete(ctx, &store.PrincipalPolicyDeleteParams{PrincipalARN: d.principalARN(kind, name), Name: policyName})
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Code: CodeNoSuchEntity, Message: fmt.Sprintf("The %s policy with name %s cannot be found.", kind, policyName)}
	}
	return err
}

// NewAccessKey is a created access key with its secret, which is shown this once.
type NewAccessKey struct {
	store.AccessKey
	Secret string
}

// CreateAccessKey makes a new Active access key for a user. Its secret is returned here and
// never again: the store keeps it sealed.
func (d *Directory) CreateAccessKey(ctx context.Context, user string) (*NewAccessKey, error) {
	p, err := d.Principal(ctx, store.PrincipalUser, user)
	if err != nil {
		return nil, err
	}
	keys, err := d.store.AccessKeyList(ctx, &store.AccessKeyListParams{PrincipalARN: p.ARN})
	if err != nil {
		return nil, err
	}
	if len(keys) >= MaxAccessKeysPerUser {
		return nil, &Error{Code: CodeLimitExceeded, Message: fmt.Sprintf("Cannot exceed quota for AccessKeysPerUser: %d", MaxAccessKeysPerUser)}
	}
	id := "AKIA" + randomID(16)
	secret := randomSecret()
	sealed, err := d.box.Seal(id, secret)
	if err != nil {
		return nil, err
	}
	k, err := d.store.AccessKeyCreate(ctx, &store.AccessKeyCreateParams{
		ID: id, PrincipalARN: p.ARN, SealedSecret: sealed, Status: store.AccessKeyActive, CreatedDate: d.now(),
	})
	if err != nil {
		return nil, err
	}
	return &NewAccessKey{AccessKey: *k, Secret: secret}, nil
}

// ListAccessKeys lists a user's keys, oldest first (their secrets stay sealed).
func (d *Directory) ListAccessKeys(ctx context.Context, user string) ([]*store.AccessKey, error) {
	p, err := d.Principal(ctx, store.PrincipalUser, user)
	if err != nil {
		return nil, err
	}
	return d.store.AccessKeyList(ctx, &store.AccessKeyListParams{PrincipalARN: p.ARN})
}

// userKey returns a user's access key, or NoSuchEntity if the user has no such key.
func (d *Directory) userKey(ctx context.Context, user, id string) (*store.AccessKey, error) {
	p, err := d.Principal(ctx, store.PrincipalUser, user)
	if err != nil {
		return nil, err
	}
	k, err := d.store.AccessKeyGet(ctx, &store.AccessKeyGetParams{ID: id})
	if errors.Is(err, store.ErrNotFound) || err == nil && k.PrincipalARN != p.ARN {
		return nil, &Error{Code: CodeNoSuchEntity, Message: fmt.Sprintf("The Access Key with id %s cannot be found.", id)}
	}
	return k, err
}

// UpdateAccessKey makes a user's key Active or Inactive.
func (d *Directory) UpdateAccessKey(ctx context.Context, user, id string, status store.AccessKeyStatus) error {
	if status != store.AccessKeyActive && status != store.AccessKeyInactive {
		return &Error{Code: CodeValidationError, Message: fmt.Sprintf(
			"1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status)}
	}
	if _, err := d.userKey(ctx, user, id); err != nil {
		return err
	}
	return d.store.AccessKeyUpdate(ctx, &store.AccessKeyUpdateParams{ID: id, Status: status})
}

// DeleteAccessKey deletes a user's key.
func (d *Directory) DeleteAccessKey(ctx context.Context, user, id string) error {
	if _, err := d.userKey(ctx, user, id); err != nil {
		return err
	}
	err := d.store.AccessKeyDelete(ctx, &store.AccessKeyDeleteParams{ID: id})
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Code: CodeNoSuchEntity, Message: fmt.Sprintf("The Access Key with id %s cannot be found.", id)}
	}
	return err
}

// Caller is an authenticated principal: who it is, its tags and its parsed policies.
type Caller struct {
	Principal *store.Principal
	KeyID     string
	Tags      []store.Tag
	Policies  []NamedPolicy
}

// ErrUnknownAccessKey: no Active access key has this id.
var ErrUnknownAccessKey = errors.New("unknown or inactive access key")

// Authenticate looks an access key up as it is now and returns its caller and secret. An
// unknown, Inactive or deleted key gives ErrUnknownAccessKey; any other error is the store's.
func (d *Directory) Authenticate(ctx context.Context, keyID string) (*Caller, string, error) {
	k, err := d.store.AccessKeyGet(ctx, &store.AccessKeyGetParams{ID: keyID})
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", ErrUnknownAccessKey
	}
	if err != nil {
		return nil, "", err
	}
	if k.Status != store.AccessKeyActive {
		return nil, "", ErrUnknownAccessKey
	}
	secret, err := d.box.Open(k.ID, k.SealedSecret)
	if err != nil {
		return nil, "", fmt.Errorf("access key %s: %w", k.ID, err)
	}
	c, err := d.caller(ctx, k.PrincipalARN)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", ErrUnknownAccessKey
	}
	if err != nil {
		return nil, "", err
	}
	c.KeyID = k.ID
	return c, secret, nil
}

// CallerByARN returns the caller a principal ARN names, for the simulator.
func (d *Directory) CallerByARN(ctx context.Context, arn string) (*Caller, error) {
	c, err := d.caller(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &Error{Code: CodeNoSuchEntity, Message: fmt.Sprintf("The principal %s cannot be found.", arn)}
	}
	return c, err
}

func (d *Directory) caller(ctx context.Context, arn string) (*Caller, error) {
	p, err := d.store.PrincipalGetByARN(ctx, &store.PrincipalGetByARNParams{ARN: arn})
	if err != nil {
		return nil, err
	}
	tags, err := d.store.TagList(ctx, &store.TagListParams{ResourceARN: arn})
	if err != nil {
		return nil, err
	}
	c := &Caller{Principal: p, Tags: tags}
	for _, pp := range p.Policies {
		policy, err := d.parse(pp.Document)
		if err != nil {
			// PutPolicy validated it; a document changed behind its back grants nothing.
			continue
		}
		c.Policies = append(c.Policies, NamedPolicy{Name: pp.Name, Policy: policy})
	}
	return c, nil
}

func (d *Directory) parse(document string) (*Policy, error) {
	d.parsedMu.Lock()
	p, ok := d.parsed[document]
	d.parsedMu.Unlock()
	if ok {
		return p, nil
	}
	p, err := ParsePolicy(document)
	if err != nil {
		return nil, err
	}
	d.parsedMu.Lock()
	if len(d.parsed) >= maxParsedPolicies {
		d.parsed = map[string]*Policy{}
	}
	d.parsed[document] = p
	d.parsedMu.Unlock()
	return p, nil
}

// FillContext sets the caller's condition keys: aws:username (users only, as on AWS),
// aws:userid, aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType and aws:PrincipalTag/*.
func (c *Caller) FillContext(ctx Context, account string) {
	p := c.Principal
	if p.Kind == store.PrincipalUser {
		ctx.Set(KeyUsername, p.Name)
		ctx.Set(KeyPrincipalType, "User")
	} else {
		ctx.Set(KeyPrincipalType, "AssumedRole")
	}
	ctx.Set(KeyUserID, p.ID)
	ctx.Set(KeyPrincipalARN, p.ARN)
	ctx.Set(KeyPrincipalAccount, account)
	for _, t := range c.Tags {
		ctx.Set(KeyPrincipalTag+t.Key, t.Value)
	}
}

// base32 upper-case alphabet of AWS's access key ids and unique ids.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

// secretAlphabet is the alphabet of AWS's 40-character secret access keys.
const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func randomSecret() string {
	b := make([]byte, 40)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = secretAlphabet[int(b[i])%len(secretAlphabet)]
	}
	return string(b)
}
