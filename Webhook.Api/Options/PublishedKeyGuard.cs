using Microsoft.Extensions.Options;
using Webhook.Providers.Verification;
using Webhook.ServiceDefaults;

namespace Webhook.Api.Options;

/// <summary>Refuses, at start, a published key (<see cref="PublishedKeys"/>) on an API that other machines can reach.</summary>
public sealed class PublishedKeyGuard(IConfiguration configuration) :
    IValidateOptions<StandardWebhookOptions>, IValidateOptions<MailgunWebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, StandardWebhookOptions options) =>
        PublishedKeys.Check(configuration, "API", (StandardWebhookOptions.SecretKey, options.Secret), (StandardWebhookOptions.PreviousSecretKey, options.PreviousSecret));

    public ValidateOptionsResult Validate(string? name, MailgunWebhookOptions options) =>
        PublishedKeys.Check(configuration, "API", (MailgunWebhookOptions.SigningKeyKey, options.SigningKey));
}
