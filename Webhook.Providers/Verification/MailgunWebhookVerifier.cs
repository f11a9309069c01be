using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Webhook.Providers.Verification;

/// <summary>
/// Mailgun: the body is <c>{"signature": {"timestamp", "token", "signature"}, "event-data": {…}}</c> and
/// <c>signature</c> is the lowercase hex HMAC-SHA256 of timestamp + token keyed with the webhook signing key.
/// The signature covers the timestamp and the token only, not the event, so a token is accepted once: a token seen
/// within the tolerance is a replay.
/// </summary>
/// <remarks>
/// The tokens seen are remembered in this process only, so with several API replicas a replay can get through once
/// per replica. What it could publish carries the event id of an event Mailgun sent (or one the replayer made up),
/// and the Processor counts an id once whichever replica published it.
/// </remarks>
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
    readonly ConcurrentDictionary<string, DateTimeOffset> _seenTokens = new(StringComparer.Ordinal);
    long _nextSweep;

    /// <param name="options">The key, validated at start (see <see cref="MailgunSigningKeyAttribute"/>).</param>
    /// <param name="tolerance">How far the signed timestamp may be from now, either way.</param>
    public MailgunWebhookVerifier(MailgunWebhookOptions options, TimeSpan tolerance, TimeProvider time)
    {
        if (!string.IsNullOrEmpty(options.SigningKey) && IsSigningKey(options.SigningKey))
            _key = Encoding.UTF8.GetBytes(options.SigningKey);
        _tolerance = tolerance;
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

        // Only now, so that fakes cannot fill the memory of tokens seen: a token is remembered while its timestamp
        // is within the tolerance; after that the timestamp check refuses it anyway.
        if (!TryRemember(token, signedAt + _tolerance))
            return VerificationResult.Invalid("The token was used before: a replay.");
        return VerificationResult.Valid(token);
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
            var reader = new Utf8JsonReader(body, ReaderOptions);
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

    bool TryRemember(string token, DateTimeOffset forgetAt)
    {
        var now = _time.GetUtcNow();
        SweepIfDue(now);
        while (true)
        {
            if (_seenTokens.TryAdd(token, forgetAt))
                return true;
            if (!_seenTokens.TryGetValue(token, out var existing))
                continue;
            if (existing > now)
                return false;
            if (_seenTokens.TryUpdate(token, forgetAt, existing))
                return true;
        }
    }

    void SweepIfDue(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweep, (now + _tolerance).UtcTicks, due) != due)
            return;
        foreach (var (token, forgetAt) in _seenTokens)
        {
            if (forgetAt <= now)
                _seenTokens.TryRemove(new KeyValuePair<string, DateTimeOffset>(token, forgetAt));
        }
    }
}
