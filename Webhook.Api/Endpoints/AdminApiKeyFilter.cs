using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Webhook.Api.Ingestion;
using Webhook.Api.Options;

namespace Webhook.Api.Endpoints;

/// <summary>
/// Lets an operator's request through only with the configured key, in the <c>X-Api-Key</c> header. Both sides are
/// hashed first so that the comparison takes the same time whatever the presented key's length and content. A client
/// that has presented a wrong key <see cref="FailuresPerWindow"/> times in a minute gets 429 for the rest of that
/// minute, before any key it sends is looked at: a key cannot be guessed at speed.
/// </summary>
public sealed class AdminApiKeyFilter(string apiKey, RejectionRateLimiter failures) : IEndpointFilter
{
    public const string Header = "X-Api-Key";
    public const int FailuresPerWindow = 10;

    readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));

    /// <summary>A filter with a budget of failed keys of its own, per client address.</summary>
    public static AdminApiKeyFilter Create(IServiceProvider services, string apiKey) =>
        new(apiKey, new RejectionRateLimiter(
            Microsoft.Extensions.Options.Options.Create(new RejectionRateLimitOptions { Permits = FailuresPerWindow, Window = TimeSpan.FromMinutes(1) }),
            services.GetRequiredService<TimeProvider>()));

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var client = RejectionRateLimiter.ClientKey(http);
        if (failures.IsExhausted(client, out var retryAfter))
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(Math.Max(retryAfter.TotalSeconds, 1))).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ValueTask.FromResult<object?>(TypedResults.Problem(title: "Too many wrong keys",
                detail: "This client has presented too many wrong admin keys; try again later.", statusCode: StatusCodes.Status429TooManyRequests));
        }

        var presented = http.Request.Headers[Header];
        if (presented.Count == 1 && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented[0] ?? "")), _expected))
            return next(context);

        failures.Spend(client);
        var detail = presented.Count == 0
            ? $"Send the admin API key in the {Header} header."
            : $"The {Header} header does not hold the admin API key.";
        return ValueTask.FromResult<object?>(TypedResults.Problem(title: "Not authorized", detail: detail, statusCode: StatusCodes.Status401Unauthorized));
    }
}
