namespace Webhook.Testing;

/// <summary>
/// The marketing data of a migrated database, in the Processor's schema, as plain SQL: what a test puts in before it
/// sends events, and what it reads afterwards.
/// </summary>
public static class MarketingData
{
    /// <summary>A customer with an email showing <paramref name="productCount"/> new products.</summary>
    public static async Task<(string EmailId, int CustomerId, int[] ProductIds)> AddEmailAsync(this IsolatedDatabase database, int productCount = 2)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var emailId = "email-" + suffix;
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        await using var customer = new Npgsql.NpgsqlCommand(
            "INSERT INTO customers (email_address, name) VALUES ($1, $2) RETURNING id", connection, transaction);
        customer.Parameters.Add(new() { Value = $"c-{suffix}@example.com" });
        customer.Parameters.Add(new() { Value = "Customer " + suffix });
        var customerId = (int)(await customer.ExecuteScalarAsync())!;

        await using var email = new Npgsql.NpgsqlCommand(
            "INSERT INTO emails (id, customer_id, subject, sent_at) VALUES ($1, $2, 'Hello', now())", connection, transaction);
        email.Parameters.Add(new() { Value = emailId });
        email.Parameters.Add(new() { Value = customerId });
        await email.ExecuteNonQueryAsync();

        await using var products = new Npgsql.NpgsqlCommand("""
            WITH p AS (INSERT INTO products (sku, name) SELECT $1 || '-' || i, 'Product ' || i FROM generate_series(0, $2 - 1) i RETURNING id)
            INSERT INTO email_products (email_id, product_id) SELECT $3, id FROM p RETURNING product_id
            """, connection, transaction);
        products.Parameters.Add(new() { Value = suffix });
        products.Parameters.Add(new() { Value = productCount });
        products.Parameters.Add(new() { Value = emailId });
        var productIds = new List<int>();
        await using (var reader = await products.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                productIds.Add(reader.GetInt32(0));
        }

        await transaction.CommitAsync();
        return (emailId, customerId, productIds.Order().ToArray());
    }

    /// <summary>How many times the customer has viewed any product, over all products.</summary>
    public static Task<int> ViewCountAsync(this IsolatedDatabase database, int customerId) =>
        database.ScalarAsync<int>("SELECT coalesce(sum(view_count), 0)::int FROM viewed_products WHERE customer_id = $1", default, customerId);

    /// <summary>Views over every customer and product: each Opened or Clicked event adds one per product of its email.</summary>
    public static Task<int> TotalViewsAsync(this IsolatedDatabase database) =>
        database.ScalarAsync<int>("SELECT coalesce(sum(view_count), 0)::int FROM viewed_products");

    /// <summary>Events applied so far: the inbox holds one row per applied event (of one type, when given).</summary>
    public static Task<int> AppliedEventsAsync(this IsolatedDatabase database, string? eventType = null) =>
        eventType is null
            ? database.ScalarAsync<int>("SELECT count(*)::int FROM inbox_messages")
            : database.ScalarAsync<int>("SELECT count(*)::int FROM inbox_messages WHERE event_type = $1", default, eventType);
}
