using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Webhook.Processor.Data.Configurations;

public class ViewedProductConfiguration : IEntityTypeConfiguration<ViewedProduct>
{
    public void Configure(EntityTypeBuilder<ViewedProduct> builder)
    {
        builder.ToTable("viewed_products");
        builder.HasKey(v => new { v.CustomerId, v.ProductId });
        builder.Property(v => v.CustomerId).HasColumnName("customer_id");
        builder.Property(v => v.ProductId).HasColumnName("product_id");
        builder.Property(v => v.FirstViewedAt).HasColumnName("first_viewed_at");
        builder.Property(v => v.LastViewedAt).HasColumnName("last_viewed_at");
        builder.Property(v => v.ViewCount).HasColumnName("view_count");
        builder.HasOne(v => v.Product).WithMany().HasForeignKey(v => v.ProductId);
    }
}
