using System.Buffers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Webhook.Api.Options;
using Webhook.Providers.Parsing;
using Webhook.Providers.Verification;

namespace Webhook.Api.Ingestion;

/// <summary>
/// The intake every provider's route shares, in the order that keeps fakes cheap: the client's budget of refused
/// requests, content type, size, signature on the raw bytes, and only then parsing, publishing, and 202 once the
/// broker has confirmed every event. Every refusal but 429 and 503 spends one permit of the client's budget.
/// </summary>
public sealed class WebhookReceiver(
    EventPublisher publisher,
    RejectionRateLimiter rejections,
    IOptions<WebhookOptions> options,
    IngestionMetrics metrics,
    TimeProvider time)
{
    public async Task<Results<Accepted<AcceptedEvents>, ProblemHttpResult, ValidationProblem>> ReceiveAsync(HttpContext http, WebhookProvider provider)
    {
        var request = http.Request;
        var receivedAt = time.GetUtcNow();
        var client = RejectionRateLimiter.ClientKey(http);

        if (rejections.IsExhausted(client, out var retryAfter))
        {
            SetRetryAfter(http, retryAfter);
            metrics.Rejected(provider.Name, StatusCodes.Status429TooManyRequests);
            return TypedResults.Problem(title: "Too many refused requests",
                detail: "This client has sent too many requests that were refused; retry later.", statusCode: StatusCodes.Status429TooManyRequests);
        }

        if (!IsJson(request.ContentType))
            return Refuse(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                "The body must be JSON (Content-Type: application/json, UTF-8).");

        var maxBodyBytes = provider.MaxBodyBytes ?? options.Value.MaxBodyBytes;
        var body = await ReadBodyAsync(request, maxBodyBytes, http.RequestAborted);
        if (body.TooLarge)
            return Refuse(StatusCodes.Status413PayloadTooLarge, "Body too large", $"The body is larger than {maxBodyBytes} bytes.");
        if (body.Incomplete)
            return Refuse(StatusCodes.Status400BadRequest, "Incomplete body", "The body ended before its declared length.");

        var verification = provider.Verifier.Verify(request.Headers, body.Bytes.Span);
        if (!verification.IsValid)
            return Refuse(StatusCodes.Status401Unauthorized, "Signature not verified", verification.Failure);

        var parsed = provider.Parser.Parse(body.Bytes, new WebhookDelivery(provider.Name, verification.DeliveryId, receivedAt));
        if (!parsed.IsValid)
        {
            Spend(provider.UnusablePayloadStatus);
            const string title = "The webhook holds invalid events; none was accepted.";
            return provider.UnusablePayloadStatus == StatusCodes.Status400BadRequest
                ? TypedResults.ValidationProblem(parsed.Errors, title: title)
                : TypedResults.Problem(new HttpValidationProblemDetails(parsed.Errors) { Title = title, Status = provider.UnusablePayloadStatus });
        }

        if (!await publisher.PublishAllAsync(parsed.Events, http.RequestAborted))
        {
            SetRetryAfter(http, options.Value.RetryAfter);
            metrics.Rejected(provider.Name, StatusCodes.Status503ServiceUnavailable);
            return TypedResults.Problem(title: "Broker unavailable",
                detail: "The events could not be stored durably; nothing was accepted. Retry later.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return TypedResults.Accepted((string?)null, new AcceptedEvents(parsed.Events.Count, parsed.Events.Select(e => e.EventId).ToArray()));

        void Spend(int status)
        {
            metrics.Rejected(provider.Name, status);
            rejections.Spend(client);
        }

        ProblemHttpResult Refuse(int status, string title, string? detail)
        {
            Spend(status);
            return TypedResults.Problem(title: title, detail: detail, statusCode: status);
        }
    }

    static void SetRetryAfter(HttpContext http, TimeSpan after) =>
        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(Math.Max(after.TotalSeconds, 1))).ToString(System.Globalization.CultureInfo.InvariantCulture);

    static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
            return false;
        var isJson = media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.SubType.EndsWith("+json", StringComparison.OrdinalIgnoreCase) && media.Type.Equals("application", StringComparison.OrdinalIgnoreCase));
        return isJson && (!media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Reads at most <paramref name="maxBytes"/>: a larger body, whatever its Content-Length says or whether it is
    /// chunked, is refused without being buffered.
    /// </summary>
    static async Task<RequestBody> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
            return RequestBody.Large;

        // ArrayBufferWriter refuses a capacity of 0, which an empty body with Content-Length: 0 would ask for.
        var buffer = new ArrayBufferWriter<byte>((int)Math.Clamp(request.ContentLength ?? 4096, 1, maxBytes + 1L));
        try
        {
            while (true)
            {
                var read = await request.Body.ReadAsync(buffer.GetMemory(4096), cancellationToken);
                if (read == 0)
                    return new RequestBody(buffer.WrittenMemory, false, false);
                buffer.Advance(read);
                if (buffer.WrittenCount > maxBytes)
                    return RequestBody.Large;
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return RequestBody.Large;
        }
        catch (BadHttpRequestException)
        {
            return new RequestBody(default, false, true);
        }
    }

    readonly record struct RequestBody(ReadOnlyMemory<byte> Bytes, bool TooLarge, bool Incomplete)
    {
        public static readonly RequestBody Large = new(default, true, false);
    }
}

/// <summary>The answer to an accepted webhook: how many events and their ids.</summary>
public sealed record AcceptedEvents(int Accepted, Guid[] EventIds);
