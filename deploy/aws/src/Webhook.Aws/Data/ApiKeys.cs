using Amazon.CDK;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;

namespace Webhook.Aws.Data;

/// <summary>
/// The API's keys in one Secrets Manager secret, a JSON object with one field per configuration key (named as its
/// environment variable). The keys come from the providers, so the secret starts with every field empty and operators
/// put them in after the first deployment (README: setting the secrets). An empty field leaves its route unserved, as
/// an unset key does; a missing field stops the task from starting. (The dead-letter tools' key is the console's:
/// <see cref="ConsoleKeys"/>.)
/// </summary>
public sealed class ApiKeys : Construct
{
    /// <summary>The fields operators fill in, in the order the README lists them.</summary>
    public static readonly IReadOnlyList<string> ProviderKeys =
        [HostKeys.EmailSecret, HostKeys.EmailPreviousSecret, HostKeys.SendGridVerificationKey, HostKeys.MailgunSigningKey];

    /// <summary>Every configuration key the secret holds.</summary>
    public static IEnumerable<string> Keys => ProviderKeys;

    public Secret Secret { get; }

    public ApiKeys(Construct scope, string id) : base(scope, id)
    {
        // Empty fields only: the template holds no value, and the providers' keys never pass through it.
        Secret = new Secret(this, "Secret", new SecretProps
        {
            Description = "The API's keys: Standard Webhooks secrets, SendGrid's verification key, Mailgun's signing key.",
            SecretObjectValue = ProviderKeys.ToDictionary(k => HostKeys.EnvironmentVariable(k), _ => SecretValue.UnsafePlainText("")),
        });
    }
}
