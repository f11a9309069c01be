using System.Text.Json;
using System.Text.Unicode;
using Webhook.Contracts;

namespace Webhook.Providers.Parsing;

/// <summary>What the parsers of the providers' own payloads share: how the body is read and what a value may be.</summary>
public static class ProviderPayload
{
    /// <summary>Longest id accepted, as an email id and as a part of an event's identity (the Processor stores 256).</summary>
    public const int MaxIdLength = 256;

    /// <summary>Longest event type passed through under the provider's own name.</summary>
    public const int MaxEventTypeLength = 64;

    // Duplicate properties are refused: two "event" or two "email_id" would leave it to the parser which one counts.
    static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32, AllowDuplicateProperties = false };
    static readonly long MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>Reads the body as JSON with <paramref name="read"/>, or says why it cannot be read.</summary>
    /// <remarks>
    /// System.Text.Json checks the encoding of a string only when it decodes it, and then throws
    /// InvalidOperationException rather than JsonException: for bytes that are not UTF-8 (checked up front here) and
    /// for escapes that are not UTF-16, such as a lone <c>\ud800</c>, in a value or in a property name.
    /// </remarks>
    public static ParseResult Read(ReadOnlyMemory<byte> body, Func<JsonElement, ParseResult> read, JsonDocumentOptions? options = null)
    {
        if (!Utf8.IsValid(body.Span))
            return ParseResult.Failure("$", "The body is not UTF-8.");
        try
        {
            using var document = JsonDocument.Parse(body, options ?? DocumentOptions);
            return read(document.RootElement);
        }
        catch (JsonException ex)
        {
            return ParseResult.Failure("$", $"The body is not valid JSON: {ex.Message}");
        }
        catch (InvalidOperationException)
        {
            return ParseResult.Failure("$", "The body holds a string that is not valid Unicode.");
        }
    }

    /// <summary>
    /// The contract's type for a provider's event name: one of <see cref="EmailEventTypes"/> for the names that change
    /// customer data, else the provider's own name when it is lowercase letters, digits, '_', '-' and '.' (so it can
    /// never pose as one of the product's types), else null.
    /// </summary>
    public static string? EventType(JsonElement value, string opened, string clicked, string spam)
    {
        if (value.ValueKind != JsonValueKind.String)
            return null;
        var name = value.GetString()!;
        if (name == opened)
            return EmailEventTypes.Opened;
        if (name == clicked)
            return EmailEventTypes.Clicked;
        if (name == spam)
            return EmailEventTypes.Spam;
        return name.Length is > 0 and <= MaxEventTypeLength && char.IsAsciiLetterLower(name[0])
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-' or '.')
            ? name
            : null;
    }

    /// <summary>A non-blank string of at most <see cref="MaxIdLength"/> characters, else null.</summary>
    public static string? Id(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && value.GetString() is { Length: <= MaxIdLength } id && !string.IsNullOrWhiteSpace(id) ? id : null;

    /// <summary>An optional property of an object; a property that is present but null counts as missing.</summary>
    public static JsonElement? Optional(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>Unix seconds, with a fraction or without, as a UTC time; null when out of range or not a number.</summary>
    public static DateTimeOffset? UnixTime(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var seconds) || seconds < 0 || seconds > MaxUnixSeconds)
            return null;
        return DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
    }
}
