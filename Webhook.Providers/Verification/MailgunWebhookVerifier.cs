using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Webhook.Providers.Parsing;

namespace Webhook.Providers.Verification;

/// <summary>
/// Mailgun: the body is <c>{"signature": {"timestamp", "token", "signature"}, "event-data": {…}}</c> and
/// <c>signature</c> is the lowercase hex HMAC-SHA256 of timestamp + token keyed with the webhook signing key.
/// The signature covers the timestamp and the token only, not the event, so a request is usable once: the result
/// names its token (<see cref="SingleUseToken"/>), and the intake claims it in the store every API replica shares,
/// counting it as used only once the request has been answered 2xx.
/// </summary>
public sealed class MailgunWebhookVerifier : IWebhookVerifier
{
    public const string SignatureProperty = "signature";
    const int MaxTokenLength = 256;
    const int MaxTimestampLength = 20;
    const int HexSignatureLength = HMACSHA256.HashSizeInBytes * 2;
    static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    readonly byte[]? _key;
    readonly TimeSpan _tolerance;
    readonly TimeProvider _time;

    /// <param name="options">The key, validated at start (see <see cref="MailgunSigningKeyAttribute"/>).</param>
    public MailgunWebhookVerifier(MailgunWebhookOptions options, TimeProvider time)
    {
        if (!string.IsNullOrEmpty(options.SigningKey) && IsSigningKey(options.SigningKey))
            _key = Encoding.UTF8.GetBytes(options.SigningKey);
        _tolerance = options.TimestampTolerance;
        _time = time;
    }

    public bool IsConfigured => _key is not null;

    /// <summary>Whether <paramref name="key"/> looks like a signing key rather than a value pasted with stray whitespace.</summary>
    public static bool IsSigningKey(string key) =>
        key.Length is >= 16 and <= 256 && key.All(c => c is > ' ' and < (char)127);

    public VerificationResult Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body)
    {
        if (_key is null)
            return VerificationResult.Invalid("No signing key is configured.");

        if (!TryReadSignature(body, out var timestamp, out var token, out var signature))
            return VerificationResult.Invalid("The body has no well-formed \"signature\" object with timestamp, token and signature strings.");

        if (SignedTimestamp.Check(timestamp, "signature timestamp", _time, _tolerance, out var signedAt) is { } stale)
            return VerificationResult.Invalid(stale);

        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (signature.Length != HexSignatureLength || !IsLowercaseHex(signature)
            || Convert.FromHexString(signature, given, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != given.Length)
            return VerificationResult.Invalid("The signature must be 64 lowercase hexadecimal digits.");

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        using (var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key))
        {
            hmac.AppendData(Encoding.UTF8.GetBytes(timestamp));
            hmac.AppendData(Encoding.UTF8.GetBytes(token));
            hmac.GetHashAndReset(expected);
        }
        if (!CryptographicOperations.FixedTimeEquals(given, expected))
            return VerificationResult.Invalid("The signature does not match.");

        // A token is single-use while its timestamp is within the tolerance; after that the timestamp check refuses
        // the request anyway.
        return VerificationResult.Valid(token, new SingleUseToken(token, signedAt + _tolerance));
    }

    /// <summary>
    /// One forward pass over the top level of the body that stops at the <c>signature</c> object, skipping whatever
    /// comes before it unparsed: verification must not depend on the event, which is parsed only after it passed.
    /// </summary>
    static bool TryReadSignature(ReadOnlySpan<byte> body, out string timestamp, out string token, out string signature)
    {
        timestamp = token = signature = "";
        try
        {
            var reader = new Utf8JsonReader(body[ProviderPayload.ByteOrderMarkLength(body)..], ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isSignature = reader.ValueTextEquals(SignatureProperty);
                reader.Read();
                if (!isSignature)
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType != JsonTokenType.StartObject)
                    return false;
                string? t = null, k = null, s = null;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.ValueTextEquals("timestamp") ? 0 : reader.ValueTextEquals("token") ? 1 : reader.ValueTextEquals("signature") ? 2 : -1;
                    reader.Read();
                    if (name < 0)
                    {
                        reader.Skip();
                        continue;
                    }
                    if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length > MaxTokenLength)
                        return false;
                    var value = reader.GetString();
                    switch (name)
                    {
                        case 0: t = value; break;
                        case 1: k = value; break;
                        default: s = value; break;
                    }
                }
                if (string.IsNullOrEmpty(t) || t.Length > MaxTimestampLength || string.IsNullOrEmpty(k) || string.IsNullOrEmpty(s))
                    return false;
                (timestamp, token, signature) = (t, k, s);
                return true;
            }
            return false;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not UTF-8 (the reader checks encoding only when decoding).
            return false;
        }
    }

    static bool IsLowercaseHex(string value) => value.All(char.IsAsciiHexDigitLower);
}
