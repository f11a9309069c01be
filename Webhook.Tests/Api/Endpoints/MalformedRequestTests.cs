using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using MassTransit.Testing;
using Microsoft.AspNetCore.Http;
using Webhook.Contracts;
using Webhook.Testing;
using Webhook.Tests.Fixtures;

namespace Webhook.Tests.Api.Endpoints;

/// <summary>
/// Malformed requests on every route, each with the status it must get and no event published: an unverified one is
/// refused (401, 413, 415, …); a verified one that holds nothing usable is accepted and what it brought set aside
/// (202). The signed cases are signed correctly, so what they test is the body or header named, not the signature.
/// </summary>
public class MalformedRequestTests(MalformedRequestTests.Api api) : IClassFixture<MalformedRequestTests.Api>
{
    const string Email = "/webhooks/email";
    const string SendGrid = "/webhooks/sendgrid";
    const string Mailgun = "/webhooks/mailgun";
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>One API for the whole table, with a body limit small enough to exceed cheaply and no rejection budget in the way.</summary>
    public sealed class Api : IAsyncLifetime
    {
        public ApiFactory Factory { get; } = new(new()
        {
            ["Webhooks:MaxBodyBytes"] = MaxBodyBytes.ToString(CultureInfo.InvariantCulture),
            ["Webhooks:SendGrid:MaxBodyBytes"] = MaxBodyBytes.ToString(CultureInfo.InvariantCulture),
            ["Webhooks:RejectionRateLimit:Permits"] = "1000000",
        });

        public Task InitializeAsync() => Factory.Harness.Start();

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    sealed record Case(int Expected, Func<ApiFactory, Task<int>> Send);

    static readonly Dictionary<string, Case> Cases = BuildCases();

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Should_answer_the_expected_status_and_publish_no_event(string name)
    {
        var before = api.Factory.Harness.Published.Select<EmailEventReceived>().Count();

        var setAsideBefore = api.Factory.Harness.Published.Select<EmailEventSetAside>().Count();

        var status = await Cases[name].Send(api.Factory);

        Assert.Equal(Cases[name].Expected, status);
        Assert.Equal(before, api.Factory.Harness.Published.Select<EmailEventReceived>().Count());
        // A verified request that brings nothing usable is not dropped: what it brought is set aside.
        if (status == StatusCodes.Status202Accepted)
            Assert.True(api.Factory.Harness.Published.Select<EmailEventSetAside>().Count() > setAsideBefore, "Nothing was set aside.");
    }

    [Fact]
    public async Task Should_accept_the_valid_sample_of_every_route_that_the_cases_start_from()
    {
        // The table would pass vacuously if the samples themselves were refused.
        foreach (var route in new[] { Email, SendGrid, Mailgun })
            Assert.Equal(StatusCodes.Status202Accepted, await SendAsync(api.Factory, Signed(route, Encoding.UTF8.GetBytes(Valid(route)))));
    }

    static string Valid(string route) => route switch
    {
        Email => """{"emailId":"email-1001","eventType":"Opened"}""",
        SendGrid => $$"""[{"event":"open","timestamp":{{Recently}},"sg_message_id":"m-1","email":"a@example.com"}]""",
        _ => EventData,
    };

    /// <summary>A minute ago in Unix seconds: the events' own times must be recent (ProviderPayload.IsPlausible).</summary>
    static readonly long Recently = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;

    static readonly string EventData = """{"event":"opened","id":"ev-1","timestamp":""" + Recently + """.5,"message":{"headers":{"message-id":"m-1"}}}""";

    /// <summary>
    /// A request whose signature is right for <paramref name="body"/>. Mailgun signs no body: its "body" here is the
    /// event-data, placed after a fresh signature block, unless it is not text (then it is sent as it is, unsigned).
    /// </summary>
    static HttpRequestMessage Signed(string route, byte[] body)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        switch (route)
        {
            case Email:
            {
                var request = Signing.JsonRequest(route, body);
                var id = "msg_" + Guid.NewGuid().ToString("N");
                request.Headers.Add("webhook-id", id);
                request.Headers.Add("webhook-timestamp", timestamp);
                request.Headers.Add("webhook-signature", Signing.Sign(Signing.TestSecret, id, long.Parse(timestamp, CultureInfo.InvariantCulture), body));
                return request;
            }
            case SendGrid:
            {
                var request = Signing.JsonRequest(route, body);
                request.Headers.Add("X-Twilio-Email-Event-Webhook-Signature", Signing.SignSendGrid(timestamp, body));
                request.Headers.Add("X-Twilio-Email-Event-Webhook-Timestamp", timestamp);
                return request;
            }
            default:
                return Signing.JsonRequest(route, MailgunSigned(body));
        }
    }

    static byte[] MailgunSigned(byte[] eventData)
    {
        var prefix = Signing.MailgunBody("0");
        return [.. Encoding.UTF8.GetBytes(prefix[..^2]), .. eventData, (byte)'}'];
    }

    static async Task<int> SendAsync(ApiFactory factory, HttpRequestMessage request) =>
        (int)(await factory.CreateClient().SendAsync(request)).StatusCode;

    static Func<ApiFactory, Task<int>> Http(Func<HttpRequestMessage> build) => factory => SendAsync(factory, build());

    /// <summary>Straight onto the server, for header values HttpClient would refuse to send.</summary>
    static Func<ApiFactory, Task<int>> Raw(string route, HttpRequestMessage signed, Action<IHeaderDictionary> alter) => async factory =>
    {
        var body = await signed.Content!.ReadAsByteArrayAsync();
        var context = await factory.Server.SendAsync(c =>
        {
            c.Request.Method = "POST";
            c.Request.Path = route;
            c.Request.ContentType = "application/json";
            foreach (var header in signed.Headers)
                c.Request.Headers[header.Key] = header.Value.ToArray();
            alter(c.Request.Headers);
            c.Request.Body = new MemoryStream(body);
        });
        return context.Response.StatusCode;
    };

    static string SignatureHeader(string route) => route switch
    {
        Email => "webhook-signature",
        SendGrid => "X-Twilio-Email-Event-Webhook-Signature",
        _ => "",
    };

    static Dictionary<string, Case> BuildCases()
    {
        var cases = new Dictionary<string, Case>();
        void Add(string name, int expected, Func<ApiFactory, Task<int>> send) => cases.Add(name, new Case(expected, send));
        static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

        foreach (var route in new[] { Email, SendGrid, Mailgun })
        {
            var r = route[10..];
            // A verified body that holds no usable event is accepted (202) and set aside for an operator: the provider
            // would send the same bytes again and again, and they would never improve.
            const int unusable = 202;
            // Mailgun's signature is in the body: a body that is not an object holds none.
            var unsignable = route == Mailgun ? 401 : 202;

            Add($"{r}: empty body", unsignable, Http(() => route == Mailgun ? Signing.JsonRequest(route, []) : Signed(route, [])));
            Add($"{r}: not JSON", unsignable, Http(() => route == Mailgun ? Signing.JsonRequest(route, Utf8("not json")) : Signed(route, Utf8("not json"))));
            Add($"{r}: truncated JSON", unusable, Http(() => Signed(route, Utf8(Valid(route)[..^2]))));
            Add($"{r}: wrong shape (a number)", unusable, Http(() => Signed(route, Utf8("42"))));
            Add($"{r}: wrong shape (a string)", unusable, Http(() => Signed(route, Utf8("\"opened\""))));
            Add($"{r}: only unknown fields", unusable, Http(() => Signed(route, Utf8(route == SendGrid ? """[{"foo":1,"bar":"x"}]""" : """{"foo":1,"bar":"x"}"""))));
            Add($"{r}: huge number", unusable, Http(() => Signed(route, Utf8(route switch
            {
                Email => """{"emailId":"a","eventType":"Opened","occurredAt":1e400}""",
                SendGrid => """[{"event":"open","timestamp":99999999999999999999999999999,"sg_message_id":"m"}]""",
                _ => """{"event":"opened","id":"e","timestamp":1e400,"message":{"headers":{"message-id":"m"}}}""",
            }))));
            Add($"{r}: deep nesting", unusable, Http(() => Signed(route, Utf8(Valid(route).Replace("\"opened\"", "\"opened\",\"x\":" + new string('[', 5000) + new string(']', 5000), StringComparison.Ordinal)
                .Replace("\"open\"", "\"open\",\"x\":" + new string('[', 5000) + new string(']', 5000), StringComparison.Ordinal)
                .Replace("\"Opened\"", "\"Opened\",\"x\":" + new string('[', 5000) + new string(']', 5000), StringComparison.Ordinal)))));
            Add($"{r}: a property given twice", unusable, Http(() => Signed(route, Utf8(route switch
            {
                Email => """{"emailId":"a","eventType":"Opened","eventType":"Nope"}""",
                SendGrid => $$"""[{"event":"open","event":"spamreport","timestamp":{{Recently}},"sg_message_id":"m"}]""",
                _ => """{"event":"opened","event":"complained","id":"e","timestamp":1,"message":{"headers":{"message-id":"m"}}}""",
            }))));
            Add($"{r}: not UTF-8", unusable, Http(() =>
            {
                var body = Utf8(Valid(route));
                body[Array.IndexOf(body, (byte)'m')] = 0xFF;
                return Signed(route, body);
            }));
            Add($"{r}: an escape that is not UTF-16 (lone surrogate) in a value", unusable, Http(() => Signed(route, Utf8(Valid(route).Replace("m-1", "m-\\ud800", StringComparison.Ordinal).Replace("email-1001", "email-\\udc00", StringComparison.Ordinal)))));
            // The Standard parser never decodes the names of properties it does not know, so such a name is ignored there.
            if (route != Email)
                Add($"{r}: an escape that is not UTF-16 (lone surrogate) in a property name", unusable, Http(() => Signed(route, Utf8(Valid(route).Replace("\"event", "\"\\ud800\":1,\"event", StringComparison.Ordinal).Replace("\"emailId", "\"\\ud800\":1,\"emailId", StringComparison.Ordinal)))));
            Add($"{r}: an event type that poses as the product's", unusable, Http(() => Signed(route, Utf8(Valid(route)
                .Replace("\"opened\"", "\"Spam\"", StringComparison.Ordinal).Replace("\"open\"", "\"Spam \"", StringComparison.Ordinal).Replace("\"Opened\"", "\"Bounced\"", StringComparison.Ordinal)))));

            foreach (var contentType in new[] { "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "multipart/form-data; boundary=x" })
                Add($"{r}: content type {contentType}", 415, Http(() =>
                {
                    var request = Signed(route, Utf8(Valid(route)));
                    request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                    return request;
                }));
            Add($"{r}: no content type", 415, Http(() =>
            {
                var request = Signed(route, Utf8(Valid(route)));
                request.Content!.Headers.ContentType = null;
                return request;
            }));
            Add($"{r}: oversized body", 413, Http(() => Signed(route, Utf8(new string(' ', MaxBodyBytes) + Valid(route)))));
            Add($"{r}: oversized chunked body", 413, Http(() =>
            {
                var request = Signed(route, Utf8(new string(' ', MaxBodyBytes) + Valid(route)));
                request.Content = new StreamContent(new MemoryStream(request.Content!.ReadAsByteArrayAsync().Result)) { Headers = { ContentType = new("application/json") } };
                request.Headers.TransferEncodingChunked = true;
                return request;
            }));
            Add($"{r}: wrong method", 405, Http(() => new HttpRequestMessage(HttpMethod.Put, route) { Content = Signed(route, Utf8(Valid(route))).Content }));

            if (route == Mailgun)
            {
                Add($"{r}: event-data is an array of events", unusable, Http(() => Signed(route, Utf8($"[{EventData}]"))));
                Add($"{r}: signature that is not hex", 401, Http(() => Signing.JsonRequest(route, Utf8(Signing.MailgunBody(EventData).Replace("\"signature\":\"", "\"signature\":\"zz", StringComparison.Ordinal)))));
                Add($"{r}: signature object with injected newline", 401, Http(() => Signing.JsonRequest(route, Utf8(Signing.MailgunBody(EventData).Replace("\"token\":\"", "\"token\":\"\\r\\nX-Injected: 1", StringComparison.Ordinal)))));
                Add($"{r}: signature block not an object", 401, Http(() => Signing.JsonRequest(route, Utf8($$"""{"signature":"abc","event-data":{{EventData}}}"""))));
                Add($"{r}: huge signature timestamp", 401, Http(() => Signing.JsonRequest(route, Utf8($$"""{"signature":{"timestamp":"999999999999999999999999","token":"t","signature":"{{new string('a', 64)}}"},"event-data":{{EventData}}}"""))));
                continue;
            }

            Add($"{r}: an id with a control character", unusable, Http(() => Signed(route, Utf8(Valid(route)
                .Replace("email-1001", "email\\u001b]52;c;ZWNobyBoaQ==\\u0007", StringComparison.Ordinal).Replace("m-1", "m\\u0000", StringComparison.Ordinal)))));
            Add($"{r}: an event that says it happened in year 1", unusable, Http(() => Signed(route, Utf8(route == Email
                ? """{"emailId":"email-1001","eventType":"Opened","occurredAt":"0001-01-01T00:00:00Z"}"""
                : """[{"event":"open","timestamp":0,"sg_message_id":"m-1"}]"""))));
            var header = SignatureHeader(route);
            Add($"{r}: signature header that is not base64", 401, Raw(route, Signed(route, Utf8(Valid(route))), h => h[header] = route == Email ? "v1,!!!not base64!!!" : "%%% not base64 %%%"));
            Add($"{r}: signature header with injected CRLF", 401, Raw(route, Signed(route, Utf8(Valid(route))), h => h[header] = h[header] + "\r\nX-Injected: 1"));
            Add($"{r}: signature header given twice", 401, Raw(route, Signed(route, Utf8(Valid(route))), h => h[header] = new[] { h[header].ToString(), "v1,AAAA" }));
            Add($"{r}: timestamp header not ASCII", 401, Raw(route, Signed(route, Utf8(Valid(route))), h =>
            {
                var name = route == Email ? "webhook-timestamp" : "X-Twilio-Email-Event-Webhook-Timestamp";
                h[name] = h[name] + "é";
            }));
            Add($"{r}: timestamp header with a huge number", 401, Raw(route, Signed(route, Utf8(Valid(route))), h => h[route == Email ? "webhook-timestamp" : "X-Twilio-Email-Event-Webhook-Timestamp"] = "99999999999999999999999999"));
            Add($"{r}: signature header of a megabyte", 401, Raw(route, Signed(route, Utf8(Valid(route))), h => h[header] = new string('A', 1024 * 1024)));
            Add($"{r}: no signature headers", 401, Raw(route, Signing.JsonRequest(route, Utf8(Valid(route))), _ => { }));
        }
        return cases;
    }
}
