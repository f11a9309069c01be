using System.Buffers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Webhook.Api.Options;
using Webhook.Api.Verification;

namespace Webhook.Api.Ingestion;

/// <summary>
/// The intake every provider's route shares, in the order that keeps fakes cheap: content type, size, signature on
/// the raw bytes, and only then parsing, publishing, and 202 once the broker has confirmed every event.
/// </summary>
public sealed class WebhookReceiver(
    EventPublisher publisher,
    IOptions<WebhookOptions> options,
    IngestionMetrics metrics,
    TimeProvider time)
{
    public async Task<Results<Accepted<AcceptedEvents>, ProblemHttpResult, ValidationProblem>> ReceiveAsync(
        HttpContext http, string provider, IWebhookVerifier verifier, IWebhookEventParser parser)
    {
        var request = http.Request;
        var receivedAt = time.GetUtcNow();

        if (!IsJson(request.ContentType))
            return Reject(provider, StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                "The body must be JSON (Content-Type: application/json, UTF-8).");

        var body = await ReadBodyAsync(request, options.Value.MaxBodyBytes, http.RequestAborted);
        if (body.TooLarge)
            return Reject(provider, StatusCodes.Status413PayloadTooLarge, "Body too large",
                $"The body is larger than {options.Value.MaxBodyBytes} bytes.");
        if (body.Incomplete)
            return Reject(provider, StatusCodes.Status400BadRequest, "Incomplete body", "The body ended before its declared length.");

        var verification = verifier.Verify(request.Headers, body.Bytes.Span);
        if (!verification.IsValid)
            return Reject(provider, StatusCodes.Status401Unauthorized, "Signature not verified", verification.Failure);

        var parsed = parser.Parse(body.Bytes, new WebhookDelivery(provider, verification.DeliveryId, receivedAt));
        if (!parsed.IsValid)
        {
            metrics.Rejected(provider, StatusCodes.Status400BadRequest);
            return TypedResults.ValidationProblem(parsed.Errors, title: "The webhook holds invalid events; none was accepted.");
        }

        if (!await publisher.PublishAllAsync(parsed.Events, http.RequestAborted))
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(options.Value.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Reject(provider, StatusCodes.Status503ServiceUnavailable, "Broker unavailable",
                "The events could not be stored durably; nothing was accepted. Retry later.");
        }

        return TypedResults.Accepted((string?)null, new AcceptedEvents(parsed.Events.Count, parsed.Events.Select(e => e.EventId).ToArray()));
    }

    ProblemHttpResult Reject(string provider, int status, string title, string? detail)
    {
        metrics.Rejected(provider, status);
        return TypedResults.Problem(title: title, detail: detail, statusCode: status);
    }

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

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, maxBytes + 1L));
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
