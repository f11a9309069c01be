using System.Net;
using System.Text.RegularExpressions;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Console.Pages;

/// <summary>The email page's answer to an id that cannot be an email's: refused, before any store is asked.</summary>
public partial class EmailPageTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public async Task Should_answer_400_saying_what_an_email_id_is_and_ask_no_store(int length)
    {
        // The factory's stores do not answer: asking one would be a 500.
        await using var factory = new ConsoleFactory();
        var client = await SignedInAsync(factory, ConsoleFactory.AnalystKey);

        using var response = await client.GetAsync("/emails/" + new string('x', length));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("An email id is 1 to 256 characters long.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>A client holding the pages' cookie, signed in through the sign-in form with <paramref name="key"/>.</summary>
    static async Task<HttpClient> SignedInAsync(ConsoleFactory factory, string key)
    {
        var client = factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        var form = await client.GetStringAsync("/sign-in");
        var token = AntiforgeryToken().Match(form).Groups[1].Value;
        using var signIn = await client.PostAsync("/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["key"] = key,
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return client;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
