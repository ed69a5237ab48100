using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Chat.Core;
using LanguageExt;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Chat.Host.Endpoints;

/// Reads the `message` field of a posted form (and its `name`, the author's), and nothing more than it must: a body larger than any
/// allowed message is refused from its Content-Length before a byte is read, or as soon as it passes the
/// limit while streaming; it is never buffered whole. Text must be valid UTF-8: the service returns a
/// message byte for byte, so it will not guess at bytes it cannot decode.
public static class Form
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// The fields a post uses: the message's text, and the author's name if the form has one.
    public sealed record Fields(string Message, string? Name);

    /// A name is at most 64 characters of at most 4 bytes; a multipart name section past this is not read further.
    private const int MaxNameBytes = 1024;

    /// Right: the fields; a form without a `message` field is a rejection.
    public static async Task<Either<Rejection, Fields>> ReadPostAsync(HttpRequest request, int maxMessageBytes)
    {
        // Percent-encoding can triple a message; multipart adds headers and boundaries. Kestrel refuses a
        // Content-Length over this at the first read, and a chunked body as soon as it passes it.
        var bodyLimit = 3L * maxMessageBytes + 16 * 1024;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = bodyLimit;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)) return new Rejection.NotAForm(request.ContentType ?? "");
        try
        {
            if (type.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
                return await ReadUrlEncodedAsync(request.BodyReader, bodyLimit, maxMessageBytes);
            if (type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
                return await ReadMultipartAsync(request, type, bodyLimit, maxMessageBytes);
            return new Rejection.NotAForm(type.MediaType.ToString());
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new Rejection.TooLarge(maxMessageBytes);
        }
        catch (Exception e) when (e is BadHttpRequestException or InvalidDataException or DecoderFallbackException or IOException)
        {
            return new Rejection.BadForm($"The form could not be read: {e.Message}");
        }
    }

    private static async Task<Either<Rejection, Fields>> ReadUrlEncodedAsync(PipeReader body, long bodyLimit, int maxMessageBytes)
    {
        while (true)
        {
            var read = await body.ReadAsync();
            if (read.Buffer.Length > bodyLimit) return new Rejection.TooLarge(maxMessageBytes);
            if (read.IsCompleted)
            {
                var form = read.Buffer.ToArray();
                body.AdvanceTo(read.Buffer.End);
                return UrlEncoded.Post(form);
            }
            body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static async Task<Either<Rejection, Fields>> ReadMultipartAsync(HttpRequest request, MediaTypeHeaderValue type, long bodyLimit, int maxMessageBytes)
    {
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) return new Rejection.BadForm("multipart/form-data without a boundary.");
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = bodyLimit };
        string? message = null, name = null;
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            var disposition = section.GetContentDispositionHeader();
            var field = disposition is not null && disposition.IsFormDisposition() ? disposition.Name.Value : null;
            if (field == "message" && message is null)
            {
                if (await ReadSectionAsync(section, maxMessageBytes) is not { } text) return new Rejection.TooLarge(maxMessageBytes);
                message = text;
            }
            else if (field == "name" && name is null)
            {
                if (await ReadSectionAsync(section, MaxNameBytes) is not { } text) return new Rejection.BadName("The name is too long.");
                name = text;
            }
            else await section.Body.CopyToAsync(Stream.Null);
        }
        return message is null ? new Rejection.MissingMessage() : new Fields(message, name);
    }

    /// A section's text, or null past <paramref name="maxBytes"/>.
    private static async Task<string?> ReadSectionAsync(MultipartSection section, int maxBytes)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await section.Body.ReadAsync(chunk)) > 0)
        {
            if (buffer.Length + n > maxBytes) return null;
            buffer.Write(chunk, 0, n);
        }
        return StrictUtf8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// application/x-www-form-urlencoded, decoded strictly: `+` is a space, `%XX` a byte, and the bytes UTF-8.
    internal static class UrlEncoded
    {
        /// The first `message` and the first `name` field.
        public static Either<Rejection, Fields> Post(ReadOnlySpan<byte> form)
        {
            Either<Rejection, string>? message = null, name = null;
            foreach (var pair in form.Split((byte)'&'))
            {
                var field = form[pair];
                var eq = field.IndexOf((byte)'=');
                var key = Decode(eq < 0 ? field : field[..eq]).IfLeft("");
                var value = eq < 0 ? [] : field[(eq + 1)..];
                if (key == "message" && message is null) message = Decode(value);
                else if (key == "name" && name is null) name = Decode(value);
            }
            if (message is not { } text) return new Rejection.MissingMessage();
            if (name is not { } given) return text.Map(m => new Fields(m, null));
            return from m in text
                   from n in given
                   select new Fields(m, n);
        }

        private static Either<Rejection, string> Decode(ReadOnlySpan<byte> encoded)
        {
            var bytes = new byte[encoded.Length];
            var length = 0;
            for (var i = 0; i < encoded.Length; i++)
            {
                var b = encoded[i];
                if (b == '+') bytes[length++] = (byte)' ';
                else if (b != '%') bytes[length++] = b;
                else if (i + 2 < encoded.Length && IsHex(encoded[i + 1]) && IsHex(encoded[i + 2]))
                {
                    bytes[length++] = (byte)(Hex(encoded[i + 1]) * 16 + Hex(encoded[i + 2]));
                    i += 2;
                }
                else return new Rejection.BadForm("A '%' in the form is not followed by two hex digits.");
            }
            try
            {
                return StrictUtf8.GetString(bytes, 0, length);
            }
            catch (DecoderFallbackException)
            {
                return new Rejection.BadForm("The form's text is not valid UTF-8.");
            }
        }

        private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);
        private static int Hex(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
    }
}
