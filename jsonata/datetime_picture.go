package jsonata

func formatDateTimePicture(ms float64, picture, timezone any) (any, error) {
	return nil, &Error{Code: "D3133", Message: "date/time picture strings are not supported"}
}

func parseDateTimePicture(s, picture string) (any, error) {
	return nil, &Error{Code: "D3136", Message: "date/time picture strings are not supported"}
}
