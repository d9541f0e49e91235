import Hummingbird

/// `GET /api/openapi.yaml`: the API's OpenAPI 3.1 document (`docs/api/openapi.yaml`, embedded at build time).
struct OpenAPIRoutes {
    func add(to router: Router<APIContext>) {
        router.get("/api/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml + "\n")))
        }
    }
}
