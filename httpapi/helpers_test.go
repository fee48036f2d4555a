package httpapi_test

import (
	"testing"

	"tupu/httpapi"
	"tupu/httpapi/apitest"
)

func mustServe(tb testing.TB) *apitest.Server { return apitest.Serve(tb, httpapi.Options{}) }

func mustServeWith(tb testing.TB, opts httpapi.Options) *apitest.Server {
	return apitest.Serve(tb, opts)
}
