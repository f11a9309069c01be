using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Webhook.ServiceDefaults;
using Webhook.Testing;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Api.Options;

/// <summary>Keys that stand in this repository are refused on an API or a console that other machines can reach.</summary>
public partial class PublishedKeysTests
{
    [Theory]
    [InlineData("Webhooks:Email:Secret", Signing.TestSecret)]
    [InlineData("Webhooks:Mailgun:SigningKey", Signing.MailgunSigningKey)]
    [InlineData("Webhooks:Email:Secret", "whsec_ZGV2ZWxvcG1lbnQtb25seS1zZWNyZXQtZG8tbm90LXVzZQ==")]
    public void Should_refuse_to_start_naming_the_key_when_a_published_key_listens_beyond_loopback(string key, string value)
    {
        // Only this key is a published one: the factory's own test keys are replaced by keys of this test's.
        var error = StartupValidation.ApiFailure(new Dictionary<string, string?>
        {
            ["Webhooks:Email:Secret"] = "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Webhooks:Mailgun:SigningKey"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
            [key] = value,
            ["urls"] = "http://0.0.0.0:8080",
        });

        Assert.Contains($"{key} is a key published", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Console:OperatorKey", "dead-letter-tests-admin-key-0123456789abcdef")]
    [InlineData("Console:AnalystKey", ConsoleFactory.AnalystKey)]
    public void Should_refuse_to_start_the_console_naming_the_key_when_a_published_key_listens_beyond_loopback(string key, string value)
    {
        var error = StartupValidation.ConsoleFailure(new Dictionary<string, string?>
        {
            ["Console:AnalystKey"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)),
            ["Console:OperatorKey"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)),
            [key] = value,
            ["urls"] = "http://0.0.0.0:8080",
        });

        Assert.Contains($"{key} is a key published", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://localhost:5080;http://[::1]:5081", true)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://10.0.0.4:8080", false)]
    [InlineData("http://127.0.0.1:5080;http://[::]:5080", false)]
    public void Should_tell_loopback_only_listening_from_the_rest(string urls, bool loopbackOnly)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls }).Build();

        Assert.Equal(loopbackOnly, PublishedKeys.ListensOnLoopbackOnly(configuration));
    }

    [Fact]
    public void Should_count_http_ports_as_every_interface()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["http_ports"] = "8080" }).Build();

        Assert.False(PublishedKeys.ListensOnLoopbackOnly(configuration));
    }

    [Fact]
    public void Should_list_every_key_that_stands_in_the_repository()
    {
        // A key added to a test or a script one day must join the list, or a deployment could start with it.
        var found = Directory.EnumerateFiles(Repository.Root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".sh", StringComparison.Ordinal) || f.EndsWith(".md", StringComparison.Ordinal))
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal)
                && !f.Contains("/.state/", StringComparison.Ordinal) && !f.Contains("/.git/", StringComparison.Ordinal))
            .SelectMany(f => KeyLiteral().Matches(File.ReadAllText(f)).Select(m => m.Value.Trim('"')))
            .ToHashSet();

        Assert.NotEmpty(found);
        Assert.All(found, key => Assert.True(PublishedKeys.IsPublished(key), $"{key} stands in the repository but is not in PublishedKeys."));
    }

    [GeneratedRegex(@"whsec_[A-Za-z0-9+/=]{16,}|""[a-z-]*(key|secret)[a-z-]*-0123456789[a-zA-Z0-9]*""|""key-[a-z0-9]{20,}""")]
    private static partial Regex KeyLiteral();
}
