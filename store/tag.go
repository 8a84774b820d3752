package store

// Tag is one key-value tag of a resource (state machine, activity, ...), keyed by its ARN.
type Tag struct {
	Key   string
	Value string
}

// TagSetParams adds or replaces tags of a resource.
type TagSetParams struct {
	ResourceARN string
	Tags        []Tag
}

// TagDeleteParams removes tags of a resource by key.
type TagDeleteParams struct {
	ResourceARN string
	Keys        []string
}

// TagListParams names the resource whose tags to list.
type TagListParams struct {
	ResourceARN string
}
