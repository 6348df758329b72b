package stores

// StoreColumns are the columns the index reads on an engine (for the load
// benchmark's plain scan of the same columns).
var StoreColumns = storeColumns
