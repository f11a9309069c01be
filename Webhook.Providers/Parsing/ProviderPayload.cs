using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Webhook.Contracts;

namespace Webhook.Providers.Parsing;

/// <summary>What the parsers of the providers' own payloads share: how the body is read and what a value may be.</summary>
public static class ProviderPayload
{
    /// <summary>Longest id accepted, as an email id and as a part of an event's identity (the Processor stores 256).</summary>
    public const int MaxIdLength = EmailEventReceived.MaxEmailIdLength;

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
    public static ParseResult Read(ReadOnlyMemory<byte> body, Func<JsonElement, ParseResult> read)
    {
        if (!Utf8.IsValid(body.Span))
            return ParseResult.Unreadable(body.Span, "The body is not UTF-8.");
        try
        {
            using var document = JsonDocument.Parse(body[ByteOrderMarkLength(body.Span)..], DocumentOptions);
            return read(document.RootElement);
        }
        catch (JsonException ex)
        {
            return ParseResult.Unreadable(body.Span, $"The body is not valid JSON: {ex.Message}");
        }
        catch (InvalidOperationException)
        {
            return ParseResult.Unreadable(body.Span, "The body holds a string that is not valid Unicode.");
        }
    }

    /// <summary>
    /// 3 when the body starts with UTF-8's byte order mark, else 0. RFC 8259 lets a JSON parser ignore the mark, and
    /// some senders write it (a <c>StreamWriter</c> on .NET's <c>Encoding.UTF8</c>, Windows tools); System.Text.Json
    /// refuses it when it reads bytes. The signature covers the body as it arrived, mark included: only the parse
    /// skips it.
    /// </summary>
    public static int ByteOrderMarkLength(ReadOnlySpan<byte> body) =>
        body.StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;

    /// <summary>
    /// Reads one event of a body with <paramref name="read"/>, which adds what is wrong to the errors it is given:
    /// an event with any error, or with a string that is not valid Unicode, is refused with its text as it arrived.
    /// </summary>
    public static void ReadEvent(JsonElement item, string path, Func<Dictionary<string, string[]>, EmailEventReceived?> read,
        List<EmailEventReceived> events, List<RefusedEvent> refused)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        EmailEventReceived? parsed;
        try
        {
            parsed = read(errors);
        }
        catch (InvalidOperationException)
        {
            errors[path] = ["The event holds a string that is not valid Unicode."];
            parsed = null;
        }
        if (errors.Count == 0 && parsed is not null)
            events.Add(parsed);
        else
            refused.Add(new RefusedEvent(path, errors.Count > 0 ? errors : new() { [path] = ["The event could not be read."] }, item.GetRawText()));
    }

    /// <summary>How far before its receipt an event may say it happened: providers retry for a day at most.</summary>
    public static readonly TimeSpan MaxEventAge = TimeSpan.FromDays(30);

    /// <summary>How far after its receipt an event may say it happened: a provider's clock that runs fast.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromHours(1);

    /// <summary>Whether an event's time is plausible for a webhook received at <paramref name="receivedAt"/>.</summary>
    public static bool IsPlausible(DateTimeOffset occurredAt, DateTimeOffset receivedAt) =>
        occurredAt >= receivedAt - MaxEventAge && occurredAt <= receivedAt + MaxClockSkew;

    /// <summary>The reason an event's time is refused.</summary>
    public static string ImplausibleTime(string field) =>
        $"{field} must be at most {MaxEventAge.TotalDays:0} days before the webhook arrived and at most {MaxClockSkew.TotalHours:0} hour after.";

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

    /// <summary>A string that <see cref="IsId"/> accepts, else null.</summary>
    public static string? Id(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && value.GetString() is { } id && IsId(id) ? id : null;

    /// <summary>What every provider's ids must be, said the same way for each field.</summary>
    public static string IdRule(string field) =>
        $"{field} must be 1 to {MaxIdLength} printable characters: no control or format characters, not only spaces.";

    /// <summary>
    /// The rule for every id that enters the product, whichever provider sends it: 1 to <see cref="MaxIdLength"/>
    /// characters, not only white space, and printable: no control characters (a NUL that PostgreSQL refuses, an
    /// escape sequence that takes over an operator's terminal), no format characters (bidirectional overrides,
    /// zero-width marks that make two ids look alike), no line separators, no unpaired surrogates, noncharacters or
    /// replacement characters.
    /// </summary>
    public static bool IsId(string id)
    {
        if (id.Length is 0 or > MaxIdLength || string.IsNullOrWhiteSpace(id))
            return false;
        for (var i = 0; i < id.Length; i++)
        {
            if (Rune.DecodeFromUtf16(id.AsSpan(i), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
                return false;
            i += consumed - 1;
            // Noncharacters, and the replacement character: what stands for text that was not valid Unicode.
            if ((rune.Value & 0xFFFE) == 0xFFFE || rune.Value is >= 0xFDD0 and <= 0xFDEF or 0xFFFD)
                return false;
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate)
                return false;
        }
        return true;
    }

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
