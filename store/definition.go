package store

// DefinitionPutParams stores Definition under Hash, the hex SHA-256 of its text.
type DefinitionPutParams struct {
	Hash       string
	Definition string
}

// DefinitionGetParams names a stored definition by hash.
type DefinitionGetParams struct {
	Hash string
}
