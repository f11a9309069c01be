using System.Buffers;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Webhook.Api.Options;
using Webhook.Contracts;
using Webhook.Providers.Parsing;
using Webhook.Providers.Verification;
using Webhook.ServiceDefaults;
using Webhook.Storage;

namespace Webhook.Api.Ingestion;

/// <summary>
/// The intake every provider's route shares, in the order that keeps fakes cheap: content type, size, signature on the
/// raw bytes, a single-use token where the signature does not cover the events, and only then parsing, publishing,
/// and 2xx once the broker has confirmed everything. A verified request is accepted: its valid events are published,
/// its invalid ones set aside for an operator, and it never spends nor meets the budget of refused requests; a
/// client that has spent its budget gets 429 for what it sends that does not verify.
/// </summary>
public sealed partial class WebhookReceiver(
    EventPublisher publisher,
    RejectionRateLimiter rejections,
    IntakeCapacity capacity,
    IServiceProvider services,
    IOptions<WebhookOptions> options,
    IngestionMetrics metrics,
    TimeProvider time,
    ILogger<WebhookReceiver> logger)
{
    public async Task<Results<Accepted<AcceptedEvents>, ProblemHttpResult>> ReceiveAsync(HttpContext http, WebhookProvider provider)
    {
        var request = http.Request;
        var receivedAt = time.GetUtcNow();
        var client = RejectionRateLimiter.ClientKey(http);

        if (ContentTypeProblem(request.ContentType) is { } unsupported)
            return Refuse(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type", unsupported);

        var maxBodyBytes = provider.MaxBodyBytes ?? options.Value.MaxBodyBytes;
        using var body = await RequestBody.ReadAsync(request, maxBodyBytes, capacity, http.RequestAborted);
        switch (body.Outcome)
        {
            case BodyOutcome.TooLarge:
                return Refuse(StatusCodes.Status413PayloadTooLarge, "Body too large", $"The body is larger than {maxBodyBytes} bytes.");
            case BodyOutcome.Incomplete:
                return Refuse(StatusCodes.Status400BadRequest, "Incomplete body", "The body ended before its declared length.");
            case BodyOutcome.Busy:
                return Unavailable("Too busy", "The API holds as many request bodies as it may; nothing was accepted. Retry later.");
        }

        var verification = provider.Verifier.Verify(request.Headers, body.Bytes.Span);
        if (!verification.IsValid)
            return Refuse(StatusCodes.Status401Unauthorized, "Signature not verified", verification.Failure);

        TokenClaim? claim = null;
        if (verification.SingleUse is { } singleUse)
        {
            try
            {
                claim = await services.GetRequiredService<ISingleUseTokens>().TryClaimAsync(provider.Name, singleUse.Token, singleUse.ExpiresAt,
                    options.Value.PublishTimeout + TimeSpan.FromMinutes(1), http.RequestAborted);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogTokenStoreFailed(logger, ex, provider.Name);
                return Unavailable("Token store unavailable", "The store of single-use tokens cannot be reached, so the request cannot be checked against replays; nothing was accepted. Retry later.");
            }
            if (claim is null)
                return Refuse(StatusCodes.Status401Unauthorized, "Signature not verified", "The token was used before: a replay.");
        }

        var delivery = new WebhookDelivery(provider.Name, verification.DeliveryId, receivedAt);
        var parsed = provider.Parser.Parse(body.Bytes, delivery);
        var setAside = parsed.Refused.Select(r => SetAside(delivery, r)).ToList();

        var accepted = false;
        try
        {
            var count = parsed.Events.Count + setAside.Count;
            if (!capacity.TryReserveEvents(count))
                return Unavailable("Too busy", "The API has as many events awaiting the broker's confirmation as it may; nothing was accepted. Retry later.");
            try
            {
                accepted = await publisher.PublishAllAsync(parsed.Events, setAside, http.RequestAborted);
            }
            finally
            {
                capacity.ReleaseEvents(count);
            }
            if (!accepted)
                return Unavailable("Broker unavailable", "The events could not be stored durably; nothing was accepted. Retry later.");
        }
        finally
        {
            if (claim is not null)
                await SettleAsync(claim, accepted, provider.Name);
        }

        if (setAside.Count > 0)
        {
            metrics.SetAside(provider.Name, setAside.Count);
            LogSetAside(logger, setAside.Count, parsed.Events.Count, provider.Name, verification.DeliveryId, string.Join(", ", parsed.Refused.Select(r => r.Path)));
        }
        return TypedResults.Accepted((string?)null, new AcceptedEvents(parsed.Events.Count, parsed.Events.Select(e => e.EventId).ToArray(),
            setAside.Count, setAside.Count > 0 ? parsed.Errors : null));

        ProblemHttpResult Refuse(int status, string title, string? detail)
        {
            // Checked only now, for a request that is refused anyway: a client's budget never stops a verified request.
            if (rejections.IsExhausted(client, out var retryAfter))
            {
                SetRetryAfter(http, retryAfter);
                metrics.Rejected(provider.Name, StatusCodes.Status429TooManyRequests);
                return TypedResults.Problem(title: "Too many refused requests",
                    detail: "This client has sent too many requests that were refused; only verified requests are accepted from it until the window has passed.",
                    statusCode: StatusCodes.Status429TooManyRequests);
            }
            metrics.Rejected(provider.Name, status);
            rejections.Spend(client);
            return TypedResults.Problem(title: title, detail: detail, statusCode: status);
        }

        ProblemHttpResult Unavailable(string title, string detail)
        {
            SetRetryAfter(http, options.Value.RetryAfter);
            metrics.Rejected(provider.Name, StatusCodes.Status503ServiceUnavailable);
            return TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>The record an operator sees of an event that could not be accepted.</summary>
    static EmailEventSetAside SetAside(WebhookDelivery delivery, RefusedEvent refused) => new()
    {
        SetAsideId = EventIds.FromContent(delivery.Provider, "set-aside", delivery.DeliveryId, refused.Path, refused.Raw),
        Provider = delivery.Provider,
        DeliveryId = delivery.DeliveryId,
        ReceivedAt = delivery.ReceivedAt,
        Path = refused.Path,
        Errors = refused.Errors,
        RawEvent = refused.Raw,
        RawEncoding = refused.IsBase64 ? "base64" : "utf-8",
    };

    /// <summary>A token counts as used only when its request was accepted; otherwise the provider's retry may use it.</summary>
    async Task SettleAsync(TokenClaim claim, bool accepted, string provider)
    {
        try
        {
            if (accepted)
                await claim.ConfirmAsync(CancellationToken.None);
            else
                await claim.ReleaseAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Accepted and published: the answer stays 2xx; the claim lapses by itself if the release did not happen.
            LogTokenSettleFailed(logger, ex, provider, accepted);
        }
    }

    static void SetRetryAfter(HttpContext http, TimeSpan after) =>
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(Math.Max(after.TotalSeconds, 1))).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Why a request's Content-Type is not one whose body the API reads, or null when it is: JSON (application/json or
    /// application/*+json) in UTF-8. A charset of US-ASCII is taken too, its bytes being UTF-8's, and "utf8" is UTF-8
    /// as most servers read it. The problem names what the header said, cut short.
    /// </summary>
    static string? ContentTypeProblem(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
            return "The request has no Content-Type: the body must be JSON (Content-Type: application/json, UTF-8).";
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
            return $"The Content-Type \"{Cut(contentType)}\" cannot be read: the body must be JSON (Content-Type: application/json, UTF-8).";
        var isJson = media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.SubType.EndsWith("+json", StringComparison.OrdinalIgnoreCase) && media.Type.Equals("application", StringComparison.OrdinalIgnoreCase));
        if (!isJson)
            return $"The body must be JSON (Content-Type: application/json, UTF-8), not {Cut(media.MediaType.Value)}.";
        if (!media.Charset.HasValue)
            return null;
        // A parameter's value may be quoted (RFC 9110, 5.6.6): charset="UTF-8" is charset=utf-8.
        var charset = HeaderUtilities.RemoveQuotes(media.Charset);
        foreach (var read in ReadCharsets)
        {
            if (charset.Equals(read, StringComparison.OrdinalIgnoreCase))
                return null;
        }
        return $"The body must be JSON in UTF-8, not in charset \"{Cut(charset.Value)}\".";
    }

    /// <summary>The charsets whose bodies are read as UTF-8: UTF-8 itself, its common spelling without the hyphen, and US-ASCII.</summary>
    static readonly string[] ReadCharsets = ["utf-8", "utf8", "us-ascii", "ascii"];

    /// <summary>A value from a header, as a problem quotes it: at most 40 characters.</summary>
    static string Cut(string? value) => value is null ? "" : value.Length <= 40 ? value : string.Concat(value.AsSpan(0, 40), "…");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Set aside {SetAside} events of a verified {Provider} webhook (delivery {DeliveryId}) beside {Accepted} accepted: {Paths}")]
    static partial void LogSetAside(ILogger logger, int setAside, int accepted, string provider, string? deliveryId, string paths);

    [LoggerMessage(Level = LogLevel.Error, Message = "The single-use token store did not answer for a {Provider} webhook; answering 503")]
    static partial void LogTokenStoreFailed(ILogger logger, Exception exception, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Provider} webhook's single-use token could not be settled (accepted: {Accepted})")]
    static partial void LogTokenSettleFailed(ILogger logger, Exception exception, string provider, bool accepted);
}

/// <summary>The answer to an accepted webhook: its events, and those set aside for an operator with why.</summary>
/// <param name="Accepted">Events accepted and durable in the broker.</param>
/// <param name="EventIds">Their ids.</param>
/// <param name="SetAside">Events that could not be accepted, kept with their reasons for an operator.</param>
/// <param name="Problems">What is wrong with those, keyed by the JSON path of each field at fault; left out when none was.</param>
public sealed record AcceptedEvents(int Accepted, Guid[] EventIds, int SetAside = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IDictionary<string, string[]>? Problems = null);
