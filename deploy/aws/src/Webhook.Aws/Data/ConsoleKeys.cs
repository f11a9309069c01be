using Amazon.CDK.AWS.SecretsManager;
using Constructs;

namespace Webhook.Aws.Data;

/// <summary>
/// The console's two keys, Console:AnalystKey and Console:OperatorKey, each a secret of its own that Secrets Manager
/// generates (a generated secret holds one generated value, and the two roles need two): 48 letters and digits, well
/// over the console's 32-character minimum, with nothing a shell or a header would have to quote. No value passes
/// through the template. Operators read them with <c>aws secretsmanager get-secret-value</c> (README: the console).
/// </summary>
public sealed class ConsoleKeys : Construct
{
    const int KeyLength = 48;

    /// <summary>The secret of each configuration key, the analysts' first.</summary>
    public IReadOnlyDictionary<string, Secret> Secrets { get; }

    public Secret Analyst => Secrets[HostKeys.AnalystKey];
    public Secret Operator => Secrets[HostKeys.OperatorKey];

    public ConsoleKeys(Construct scope, string id) : base(scope, id)
    {
        Secrets = new Dictionary<string, Secret>
        {
            [HostKeys.AnalystKey] = Generated("Analyst", "The console's analysts' key (Console:AnalystKey): statistics and export."),
            [HostKeys.OperatorKey] = Generated("Operator", "The console's operators' key (Console:OperatorKey): everything, dead letters included."),
        };
    }

    Secret Generated(string id, string description) => new(this, id, new SecretProps
    {
        Description = description,
        GenerateSecretString = new SecretStringGenerator
        {
            PasswordLength = KeyLength,
            ExcludePunctuation = true,
            IncludeSpace = false,
            RequireEachIncludedType = true,
        },
    });
}
