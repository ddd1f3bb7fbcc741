package container

// ParseScript reads a shell script, Makefile or CI file into container specs.
func ParseScript(path string, data []byte) (*File, error) {
	return nil, &Error{Path: path, Msg: "analysing a shell script, Makefile or CI file is not implemented yet"}
}
