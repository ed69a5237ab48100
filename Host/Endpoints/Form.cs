using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Chat.Core;
using LanguageExt;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Chat.Host.Endpoints;

/// Reads the `message` field of a posted form, and nothing more than it must: a body larger than any
/// allowed message is refused from its Content-Length before a byte is read, or as soon as it passes the
/// limit while streaming; it is never buffered whole. Text must be valid UTF-8: the service returns a
/// message byte for byte, so it will not guess at bytes it cannot decode.
public static class Form
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// Right: the field's text; a form without a `message` field is a rejection.
    public static async Task<Either<Rejection, string>> ReadMessageAsync(HttpRequest request, int maxMessageBytes)
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

    private static async Task<Either<Rejection, string>> ReadUrlEncodedAsync(PipeReader body, long bodyLimit, int maxMessageBytes)
    {
        while (true)
        {
            var read = await body.ReadAsync();
            if (read.Buffer.Length > bodyLimit) return new Rejection.TooLarge(maxMessageBytes);
            if (read.IsCompleted)
            {
                var form = read.Buffer.ToArray();
                body.AdvanceTo(read.Buffer.End);
                return UrlEncoded.Message(form);
            }
            body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static async Task<Either<Rejection, string>> ReadMultipartAsync(HttpRequest request, MediaTypeHeaderValue type, long bodyLimit, int maxMessageBytes)
    {
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) return new Rejection.BadForm("multipart/form-data without a boundary.");
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = bodyLimit };
        string? message = null;
        while (await reader.ReadNextSectionAsync() is { } section)
        {
            var disposition = section.GetContentDispositionHeader();
            if (message is not null || disposition is null || !disposition.IsFormDisposition() || disposition.Name.Value != "message")
            {
                await section.Body.CopyToAsync(Stream.Null);
                continue;
            }
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int n;
            while ((n = await section.Body.ReadAsync(chunk)) > 0)
            {
                if (buffer.Length + n > maxMessageBytes) return new Rejection.TooLarge(maxMessageBytes);
                buffer.Write(chunk, 0, n);
            }
            message = StrictUtf8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        return message is null ? new Rejection.MissingMessage() : message;
    }

    /// application/x-www-form-urlencoded, decoded strictly: `+` is a space, `%XX` a byte, and the bytes UTF-8.
    internal static class UrlEncoded
    {
        public static Either<Rejection, string> Message(ReadOnlySpan<byte> form)
        {
            foreach (var pair in form.Split((byte)'&'))
            {
                var field = form[pair];
                var eq = field.IndexOf((byte)'=');
                var name = eq < 0 ? field : field[..eq];
                if (!Decode(name).Match(n => n == "message", _ => false)) continue;
                return Decode(eq < 0 ? [] : field[(eq + 1)..]);
            }
            return new Rejection.MissingMessage();
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
