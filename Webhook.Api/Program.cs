using Webhook.Api.Endpoints;
using Webhook.Api.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWebhookApi();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapWebhookEndpoints();

app.Run();

/// <summary>The API host; public for WebApplicationFactory in the tests.</summary>
public partial class Program;
