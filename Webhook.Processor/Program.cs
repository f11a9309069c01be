using Webhook.Processor.Extensions;
using Webhook.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWebhookProcessor();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
