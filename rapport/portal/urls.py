from django.urls import path

from rapport.portal.views import api_tokens as api_token_views
from rapport.portal.views import (
    audit,
    auth,
    campaigns,
    credit,
    customers,
    dashboard,
    orders,
    pricing,
    recommendations,
    segments,
    staff,
    stock,
    vip,
    wallet,
)
from rapport.portal.views import chat as chat_views
from rapport.portal.views import community as community_views
from rapport.portal.views import configurator as configurator_views
from rapport.portal.views import content as content_views
from rapport.portal.views import devices as device_views
from rapport.portal.views import drafts as drafts_views
from rapport.portal.views import fulfilment as fulfilment_views
from rapport.portal.views import logistics as logistics_views
from rapport.portal.views import operations as operations_views
from rapport.portal.views import performance as performance_views
from rapport.portal.views import quotes as quotes_views
from rapport.portal.views import reports as report_views
from rapport.portal.views import returns as returns_views
from rapport.portal.views import reviews as reviews_views
from rapport.portal.views import risk as risk_views
from rapport.portal.views import shop as shop_views
from rapport.portal.views import support as support_views
from rapport.portal.views import tickets as tickets_views
from rapport.portal.views import upgrades as upgrades_views
from rapport.portal.views import workspace as workspace_views

app_name = "portal"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("login/", auth.login, name="login"),
    path("login/verify/", auth.login_verify, name="login_verify"),
    path("login/enrol/", auth.login_enrol, name="login_enrol"),
    path("login/recovery-codes/", auth.recovery_codes, name="recovery_codes"),
    path("logout/", auth.logout, name="logout"),
    path("enrol/<uidb64>/<token>/", auth.enrol, name="enrol"),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_create, name="staff_create"),
    path("staff/<int:pk>/", staff.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/role/", staff.staff_role, name="staff_role"),
    path("staff/<int:pk>/deactivate/", staff.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:pk>/reset-2fa/", staff.staff_reset_2fa, name="staff_reset_2fa"),
    path("staff/<int:pk>/send-link/", staff.staff_send_link, name="staff_send_link"),
    path("staff/<int:pk>/unlock/", staff.staff_unlock, name="staff_unlock"),
    path("customers/<uuid:public_id>/vip/", staff.customer_vip, name="customer_vip"),
    path("devices/", device_views.my_devices, name="my_devices"),
    path("devices/<uuid:public_id>/", device_views.device_detail, name="device_detail"),
    path("devices/<uuid:public_id>/revoke/", device_views.device_revoke, name="device_revoke"),
    path("people/<uuid:public_id>/devices/", device_views.person_devices, name="person_devices"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("operations/backups/", operations_views.backups, name="ops_backups"),
    path("operations/backups/run/", operations_views.backup_run, name="ops_backup_run"),
    path("operations/alerts/", operations_views.alerts, name="ops_alerts"),
    path(
        "operations/alerts/<uuid:public_id>/acknowledge/",
        operations_views.alert_acknowledge,
        name="ops_alert_ack",
    ),
    path("operations/alert-rules/", operations_views.alert_rules, name="ops_alert_rules"),
    path("operations/alert-rules/new/", operations_views.alert_rule_new, name="ops_alert_rule_new"),
    path(
        "operations/alert-rules/<int:pk>/",
        operations_views.alert_rule_edit,
        name="ops_alert_rule_edit",
    ),
    path("content-archive/", content_views.content_archive, name="content_archive"),
    path("site-check/", content_views.site_check, name="site_check"),
    path("content-roles/", content_views.content_roles, name="content_roles"),
    path("content-roles/<int:pk>/", content_views.content_role_set, name="content_role_set"),
    path("site-check/run/", content_views.site_check_run, name="site_check_run"),
    path(
        "content-archive/<int:pk>/toggle/",
        content_views.content_archive_toggle,
        name="content_archive_toggle",
    ),
    path("settings/shop/", shop_views.details, name="shop_details"),
    path("customers/", customers.customer_list, name="customer_list"),
    path("customers/choices/", customers.choices, name="customer_choices"),
    path(
        "customers/choices/<str:kind>/<slug:slug>/toggle/",
        customers.choice_toggle,
        name="customer_choice_toggle",
    ),
    path("customers/<uuid:public_id>/", customers.customer_detail, name="customer_detail"),
    path(
        "customers/<uuid:public_id>/contact-points/<int:pk>/fail/",
        customers.contact_point_fail,
        name="customer_contact_fail",
    ),
    path("customers/<uuid:public_id>/retire/", customers.retire, name="customer_retire"),
    path("customers/<uuid:public_id>/restore/", customers.restore, name="customer_restore"),
    path("customers/<uuid:public_id>/merge/", customers.merge, name="customer_merge"),
    path("customers/<uuid:public_id>/export/", customers.export, name="customer_export"),
    path("customers/<uuid:public_id>/erase/", customers.erase, name="customer_erase"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<uuid:public_id>/", orders.order_detail, name="order"),
    path("customers/<uuid:public_id>/wallet/", wallet.wallet, name="wallet"),
    path("wallet/approvals/", wallet.top_up_approvals, name="top_up_approvals"),
    path("wallet/approvals/<int:pk>/", wallet.top_up_decide, name="top_up_decide"),
    path("customers/<uuid:public_id>/credit/", credit.customer_credit, name="customer_credit"),
    path(
        "customers/<uuid:public_id>/credit/override/",
        credit.customer_credit_override,
        name="customer_credit_override",
    ),
    path("invoices/<uuid:public_id>/paid/", credit.invoice_paid, name="invoice_paid"),
    path("credit/policy/", credit.credit_policy, name="credit_policy"),
    path("vip/", vip.vip_proposals, name="vip_proposals"),
    path("vip/<uuid:public_id>/confirm/", vip.vip_confirm, name="vip_confirm"),
    path("price-lists/", pricing.price_lists, name="price_lists"),
    path("price-lists/<uuid:public_id>/", pricing.price_list, name="price_list"),
    path(
        "price-lists/<uuid:public_id>/prices/",
        pricing.price_list_item_save,
        name="price_list_item_save",
    ),
    path(
        "price-lists/<uuid:public_id>/prices/<int:item_id>/delete/",
        pricing.price_list_item_delete,
        name="price_list_item_delete",
    ),
    path(
        "price-lists/<uuid:public_id>/customers/",
        pricing.price_list_customer_add,
        name="price_list_customer_add",
    ),
    path(
        "price-lists/<uuid:public_id>/customers/<uuid:customer_id>/remove/",
        pricing.price_list_customer_remove,
        name="price_list_customer_remove",
    ),
    path("stock/", stock.product_list, name="stock_list"),
    path("stock/live/", logistics_views.live_stock, name="live_stock"),
    path("shipments/", logistics_views.shipments, name="shipments"),
    path("stock/<uuid:public_id>/", stock.product_stock, name="stock"),
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<uuid:public_id>/", campaigns.campaign_detail, name="campaign"),
    path("campaigns/<uuid:public_id>/edit/", campaigns.campaign_edit, name="campaign_edit"),
    path(
        "campaigns/<uuid:public_id>/preview/", campaigns.campaign_preview, name="campaign_preview"
    ),
    path("campaigns/<uuid:public_id>/send/", campaigns.campaign_send, name="campaign_send"),
    path("segments/", segments.segment_list, name="segment_list"),
    path("segments/new/", segments.segment_create, name="segment_create"),
    path("segments/preview/", segments.segment_preview, name="segment_preview"),
    path("segments/refresh/", segments.segments_refresh, name="segments_refresh"),
    path("segments/<uuid:public_id>/", segments.segment_detail, name="segment_detail"),
    path(
        "segments/<uuid:public_id>/members/",
        segments.segment_members_add,
        name="segment_members_add",
    ),
    path(
        "segments/<uuid:public_id>/members/<uuid:customer_id>/remove/",
        segments.segment_member_remove,
        name="segment_member_remove",
    ),
    path("segments/<uuid:public_id>/blocks/", segments.segment_block_add, name="segment_block_add"),
    path(
        "segments/<uuid:public_id>/blocks/<int:pk>/delete/",
        segments.segment_block_delete,
        name="segment_block_delete",
    ),
    # After the sale (issue 7)
    path("orders/<uuid:public_id>/advance/", fulfilment_views.advance, name="order_advance"),
    path("returns/", returns_views.return_list, name="returns"),
    path("returns/<uuid:public_id>/", returns_views.return_detail, name="return_detail"),
    path(
        "returns/<uuid:public_id>/<slug:action>/", returns_views.return_action, name="return_action"
    ),
    path("tickets/", tickets_views.ticket_list, name="tickets"),
    path("tickets/<uuid:public_id>/", tickets_views.ticket_detail, name="ticket_detail"),
    path("tickets/<uuid:public_id>/update/", tickets_views.ticket_update, name="ticket_update"),
    path("quotes/", quotes_views.quote_list, name="quotes"),
    path("drafts/", drafts_views.draft_list, name="drafts"),
    path("drafts/<uuid:public_id>/", drafts_views.draft_detail, name="draft_detail"),
    path("drafts/<uuid:public_id>/edit/", drafts_views.draft_edit, name="draft_edit"),
    path("drafts/<uuid:public_id>/place/", drafts_views.draft_place, name="draft_place"),
    path("drafts/<uuid:public_id>/discard/", drafts_views.draft_discard, name="draft_discard"),
    path("customers/<uuid:public_id>/quotes/new/", quotes_views.quote_create, name="quote_create"),
    path("quotes/<uuid:public_id>/", quotes_views.quote_detail, name="quote_detail"),
    path("quotes/<uuid:public_id>/edit/", quotes_views.quote_edit, name="quote_edit"),
    path("quotes/<uuid:public_id>/send/", quotes_views.quote_send, name="quote_send"),
    path("quotes/<uuid:public_id>/counter/", quotes_views.quote_counter, name="quote_counter"),
    path("quotes/<uuid:public_id>/accept/", quotes_views.quote_accept, name="quote_accept"),
    path("quotes/<uuid:public_id>/withdraw/", quotes_views.quote_withdraw, name="quote_withdraw"),
    path("quotes/<uuid:public_id>/seen/", quotes_views.quote_seen, name="quote_seen"),
    path("upgrades/", upgrades_views.notices, name="upgrades"),
    path("upgrades/<uuid:public_id>/publish/", upgrades_views.publish, name="upgrade_publish"),
    # Cross-sell (issue 6)
    path("cross-sell/", recommendations.settings_page, name="reco_settings"),
    path("cross-sell/refresh/", recommendations.refresh, name="reco_refresh"),
    path("cross-sell/consumable/", recommendations.consumable, name="reco_consumable"),
    path("cross-sell/rules/", recommendations.rules, name="reco_rules"),
    path("cross-sell/rules/<int:pk>/delete/", recommendations.rule_delete, name="reco_rule_delete"),
    path("cross-sell/bundles/", recommendations.bundles, name="reco_bundles"),
    path(
        "cross-sell/bundles/<int:pk>/accept/",
        recommendations.bundle_accept,
        name="reco_bundle_accept",
    ),
    path(
        "cross-sell/bundles/<int:pk>/reject/",
        recommendations.bundle_reject,
        name="reco_bundle_reject",
    ),
    path(
        "cross-sell/bundles/<int:pk>/retire/",
        recommendations.bundle_retire,
        name="reco_bundle_retire",
    ),
    # Chat (issue 18)
    path("chat/", chat_views.chat_home, name="chat"),
    path("chat/direct/", chat_views.chat_direct, name="chat_direct"),
    path("chat/teams/<uuid:public_id>/", chat_views.chat_team, name="chat_team"),
    path("chat/<uuid:public_id>/", chat_views.chat_room, name="chat_room"),
    path("chat/<uuid:public_id>/<slug:action>/", chat_views.chat_action, name="chat_action"),
    # The employee's day (issue 18)
    path("tasks/", workspace_views.tasks, name="tasks"),
    path("performance/", performance_views.my_performance, name="performance"),
    path(
        "performance/people/<int:user_id>/",
        performance_views.member_performance,
        name="member_performance",
    ),
    path(
        "performance/files/<uuid:public_id>/",
        performance_views.report_file_download,
        name="report_file",
    ),
    path("notes/", workspace_views.notes, name="notes"),
    path("notes/<uuid:public_id>/done/", workspace_views.note_done, name="note_done"),
    path("notes/<slug:kind>/<uuid:public_id>/", workspace_views.notes_on, name="notes_on"),
    # Order risk (issue 19)
    path("risk/", risk_views.queue, name="risk_queue"),
    path("risk/rules/", risk_views.rules, name="risk_rules"),
    path("risk/orders/<uuid:public_id>/", risk_views.detail, name="risk_detail"),
    path("risk/orders/<uuid:public_id>/decide/", risk_views.decide, name="risk_decide"),
    # Reports (issue 19)
    path("reports/", report_views.report_list, name="reports"),
    path("reports/grants/", report_views.report_grants, name="report_grants"),
    path("reports/grants/toggle/", report_views.report_grant_toggle, name="report_grant_toggle"),
    path("reports/<slug:code>/", report_views.report, name="report"),
    path("reports/<slug:code>/export.<slug:fmt>", report_views.report_export, name="report_export"),
    # Customer self-service (issue 23): routed support cases, the inbox, the knowledge base.
    path("support/cases/", support_views.case_list, name="support_cases"),
    path("support/cases/<uuid:public_id>/", support_views.case_detail, name="support_case"),
    path(
        "support/cases/<uuid:public_id>/close/",
        support_views.case_close,
        name="support_case_close",
    ),
    path("support/inbox/", support_views.inbox, name="support_inbox"),
    path("knowledge/", support_views.article_list, name="kb_articles"),
    path("knowledge/new/", support_views.article_create, name="kb_article_create"),
    path("knowledge/<uuid:public_id>/", support_views.article_edit, name="kb_article"),
    path("reviews/", reviews_views.review_list, name="reviews"),
    path("reviews/<uuid:public_id>/", reviews_views.review_moderate, name="review_moderate"),
    path("community/", community_views.moderation_queue, name="community_queue"),
    path(
        "community/q/<uuid:public_id>/",
        community_views.question_detail,
        name="community_question",
    ),
    path(
        "community/q/<uuid:public_id>/moderate/",
        community_views.question_moderate,
        name="community_question_moderate",
    ),
    path(
        "community/a/<uuid:public_id>/moderate/",
        community_views.answer_moderate,
        name="community_answer_moderate",
    ),
    path("teams/", workspace_views.teams, name="teams"),
    path("teams/<uuid:public_id>/", workspace_views.team_detail, name="team_detail"),
    path("api-tokens/", api_token_views.api_tokens, name="api_tokens"),
    path(
        "api-tokens/<uuid:public_id>/revoke/",
        api_token_views.api_token_revoke,
        name="api_token_revoke",
    ),
    # Configurable products and custom requests (issue 21)
    path("configurator/", configurator_views.configurator_list, name="configurator_list"),
    path("configurator/requests/", configurator_views.custom_requests, name="custom_requests"),
    path(
        "configurator/<uuid:public_id>/",
        configurator_views.configurator_edit,
        name="configurator_edit",
    ),
    path(
        "configurator/<uuid:public_id>/change/",
        configurator_views.configurator_change,
        name="configurator_change",
    ),
]
