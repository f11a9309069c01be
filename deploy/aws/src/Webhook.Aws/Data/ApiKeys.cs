using Amazon.CDK.AWS.SecretsManager;
using Constructs;

namespace Webhook.Aws.Data;

/// <summary>
/// The API's keys in one Secrets Manager secret, a JSON object with one field per configuration key (named as its
/// environment variable). The admin key is generated; the providers' keys come from the providers, so operators put
/// them in after the first deployment (README: setting the secrets). An empty field leaves its route unserved, as an
/// unset key does; a missing field stops the task from starting.
/// </summary>
public sealed class ApiKeys : Construct
{
    /// <summary>The fields operators fill in, in the order the README lists them.</summary>
    public static readonly IReadOnlyList<string> ProviderKeys =
        [HostKeys.EmailSecret, HostKeys.EmailPreviousSecret, HostKeys.SendGridVerificationKey, HostKeys.MailgunSigningKey];

    /// <summary>Every configuration key the secret holds.</summary>
    public static IEnumerable<string> Keys => [.. ProviderKeys, HostKeys.AdminApiKey];

    public Secret Secret { get; }

    public ApiKeys(Construct scope, string id) : base(scope, id)
    {
        var emptyFields = string.Join(",", ProviderKeys.Select(k => $"\"{HostKeys.EnvironmentVariable(k)}\":\"\""));
        Secret = new Secret(this, "Secret", new SecretProps
        {
            Description = "The API's keys: Standard Webhooks secrets, SendGrid's verification key, Mailgun's signing key, the admin key.",
            GenerateSecretString = new SecretStringGenerator
            {
                SecretStringTemplate = "{" + emptyFields + "}",
                GenerateStringKey = HostKeys.EnvironmentVariable(HostKeys.AdminApiKey),
                PasswordLength = 48,
                ExcludePunctuation = true,
                IncludeSpace = false,
            },
        });
    }
}
