using Webhook.Providers.Parsing;
using Webhook.Providers.Verification;

namespace Webhook.Api.Ingestion;

/// <summary>One provider's way through the shared intake: its route, how its requests are verified and parsed, and its limits.</summary>
/// <param name="Name">The provider's name, as in <c>EmailEventReceived.Provider</c>.</param>
/// <param name="Route">The route under /webhooks.</param>
/// <param name="KeySetting">The setting whose absence leaves the route unserved, named in the log at start.</param>
/// <param name="Verifier">Checks the signature on the raw bytes.</param>
/// <param name="Parser">Turns the verified body into events.</param>
public sealed record WebhookProvider(string Name, string Route, string KeySetting, IWebhookVerifier Verifier, IWebhookEventParser Parser)
{
    /// <summary>Largest body accepted on this route; null: Webhooks:MaxBodyBytes.</summary>
    public int? MaxBodyBytes { get; init; }
}
