using System.Text.Json;

namespace Chat.Specs.Http;

public sealed class OpenApiSpecs
{
    [Fact]
    public async Task The_OpenAPI_document_lists_every_endpoint_with_its_responses()
    {
        await using var server = await ChatServer.StartAsync();
        using var client = server.Client();
        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths");

        (string Path, string Method, string[] Statuses)[] expected =
        [
            ("/chat/post", "post", ["201", "400", "413", "415", "422", "503"]),
            ("/chat/get/{n}", "get", ["200", "204", "400", "404"]),
            ("/rooms/{room}/post", "post", ["201", "400", "401", "403", "413"]),
            ("/rooms/{room}/get/{n}", "get", ["200", "204", "401", "403", "404"]),
            ("/rooms/{room}/messages", "get", ["200", "204", "400", "401", "403", "404", "410"]),
            ("/rooms/{room}/events", "get", ["200", "400", "401", "403", "404", "410"]),
            ("/rooms/{room}", "get", ["200", "400", "401", "403"]),
            ("/rooms", "get", ["200", "400"]),
            ("/messages", "get", ["200", "204", "400", "401", "403", "404", "410"]),
            ("/events", "get", ["200", "400", "401", "403", "404", "410"]),
            ("/rooms/{room}/messages/{n}", "delete", ["200", "400", "401", "403", "404", "410"]),
            ("/chat/messages/{n}", "delete", ["200", "401", "403", "404"]),
            ("/authors/{author}/messages", "delete", ["200", "400", "401", "403"]),
        ];
        foreach (var (path, method, statuses) in expected)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing");
            var responses = item.GetProperty(method).GetProperty("responses");
            foreach (var status in statuses) Assert.True(responses.TryGetProperty(status, out _), $"{method} {path} lacks {status}");
        }
        var schemas = document.GetProperty("components").GetProperty("schemas");
        (string Schema, string[] Properties)[] shapes =
        [
            ("Item", ["index", "text", "author", "time", "removes", "removedBy"]), ("RoomStatus", ["room", "first", "next", "held", "here"]),
            ("Removed", ["room", "index", "removal"]),
            ("Here", ["count", "names"]), ("PostForm", ["message", "name"]),
        ];
        foreach (var (schema, properties) in shapes)
            Assert.Equal(properties, schemas.GetProperty(schema).GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Contains(paths.GetProperty("/rooms/{room}/events").GetProperty("get").GetProperty("parameters").EnumerateArray(),
            p => p.GetProperty("name").GetString() == "format");
    }
}
