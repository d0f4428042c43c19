def test_home_page_is_vietnamese(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Cổng thông tin phường" in html


def test_unknown_page_is_a_styled_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang này" in response.get_data(as_text=True)
