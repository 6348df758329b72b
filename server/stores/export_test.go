package stores

// ScanQuery is the index's query of every store, in id order, on an engine
// (for the load benchmark's plain scan of the same columns). Its one
// parameter is the schedule key rows may leave out ("": none).
func ScanQuery(dialectName string) string {
	return rebind(dialectName, "SELECT "+storeColumns(dialectName)+" FROM stores ORDER BY id")
}

// FirstScheduleKey is the query of the first store's schedule key, the
// parameter the benchmark's plain scan leaves out as the load leaves out
// each page's most frequent one.
func FirstScheduleKey(dialectName string) string {
	return "SELECT " + scheduleKey(dialectName) + " FROM stores ORDER BY id LIMIT 1"
}
