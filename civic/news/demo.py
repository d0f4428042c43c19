"""Demo news archive for the configured ward (CIVIC_WARD_NAME), 2020–2021: written for this project, pictures drawn
with Pillow (no downloads). Idempotent: an article whose slug exists is left alone."""

from __future__ import annotations

import io
import math
import random
import secrets
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont

from civic.config import fill_ward, ward_settings
from civic.core.text import slugify, strip_marks
from civic.core.timeutil import local_to_utc
from civic.extensions import db
from civic.news import services
from civic.news.models import Article

EDITOR_EMAIL = "bientap@phuong.example.vn"
BYLINE = "Ban biên tập Cổng thông tin phường"

PALETTES = {
    "tin-tuc-su-kien": ((179, 38, 30), (255, 213, 79)),
    "thong-bao": ((11, 74, 158), (173, 216, 255)),
    "hoat-dong-to-dan-pho": ((30, 107, 53), (200, 236, 170)),
    "bau-cu": ((140, 29, 24), (255, 236, 179)),
}

# (local date and time, category, title, summary, paragraphs, tags, album captions, pinned)
ARTICLES: list[tuple] = [
    ("2020-01-08 09:00", "tin-tuc-su-kien", "{ward} tổng kết công tác năm 2019",
     "Hội nghị tổng kết ghi nhận phường hoàn thành và vượt 18/20 chỉ tiêu kinh tế – xã hội được giao.",
     ["Sáng 08/01, UBND phường tổ chức hội nghị tổng kết công tác năm 2019 với sự tham gia của cán bộ, "
      "công chức phường và đại diện 12 tổ dân phố.",
      "Năm 2019, thu ngân sách trên địa bàn đạt 112% dự toán; công tác cải cách hành chính có nhiều chuyển biến, "
      "tỷ lệ hồ sơ giải quyết đúng hạn đạt trên 99%.",
      "Hội nghị đã khen thưởng 9 tập thể và 21 cá nhân có thành tích xuất sắc."],
     ["tổng kết", "năm 2019"], None, False),
    ("2020-01-20 15:00", "hoat-dong-to-dan-pho", "Các tổ dân phố thăm hỏi, tặng quà gia đình chính sách dịp Tết Canh Tý",
     "Hơn 150 suất quà được trao tận tay các gia đình chính sách, hộ nghèo và người cao tuổi neo đơn.",
     ["Trước thềm Xuân Canh Tý 2020, các tổ dân phố phối hợp với Mặt trận Tổ quốc phường đến thăm, tặng quà "
      "các gia đình chính sách, hộ nghèo, hộ cận nghèo trên địa bàn.",
      "Mỗi suất quà gồm tiền mặt và nhu yếu phẩm, được trích từ Quỹ Vì người nghèo và sự đóng góp của "
      "các nhà hảo tâm."],
     ["Tết", "an sinh xã hội"], None, False),
    ("2020-02-05 08:00", "thong-bao", "Thông báo về việc phòng, chống dịch bệnh viêm đường hô hấp cấp do virus Corona",
     "UBND phường đề nghị nhân dân theo dõi sức khỏe, đeo khẩu trang nơi công cộng và khai báo y tế khi có triệu chứng.",
     ["Thực hiện chỉ đạo của UBND quận, UBND phường đề nghị các hộ gia đình chủ động theo dõi sức khỏe, "
      "thường xuyên rửa tay bằng xà phòng, đeo khẩu trang khi ra nơi công cộng.",
      "Người có biểu hiện sốt, ho, khó thở cần liên hệ ngay Trạm Y tế phường hoặc gọi đường dây nóng "
      "của ngành y tế để được hướng dẫn.",
      "Các tổ dân phố tạm dừng tổ chức các hoạt động tập trung đông người cho đến khi có thông báo mới."],
     ["phòng chống dịch", "y tế"], None, False),
    ("2020-03-28 16:00", "hoat-dong-to-dan-pho", "Tổ dân phố số 4 ra quân phun khử khuẩn khu dân cư",
     "Tổ dân phố số 4 cùng đoàn viên thanh niên phun khử khuẩn các ngõ, khu vui chơi và điểm sinh hoạt cộng đồng.",
     ["Chiều 28/3, Tổ dân phố số 4 phối hợp với Đoàn Thanh niên phường tổ chức phun khử khuẩn toàn bộ "
      "các ngõ trong khu dân cư.",
      "Các hộ gia đình đã chủ động vệ sinh nhà cửa, thu gom rác thải đúng giờ quy định."],
     ["phòng chống dịch", "tổ dân phố số 4"], None, False),
    ("2020-05-19 10:00", "tin-tuc-su-kien", "Phường tổ chức dâng hương kỷ niệm 130 năm Ngày sinh Chủ tịch Hồ Chí Minh",
     "Lãnh đạo phường và đại diện các tổ dân phố dâng hương tưởng niệm Chủ tịch Hồ Chí Minh.",
     ["Nhân kỷ niệm 130 năm Ngày sinh Chủ tịch Hồ Chí Minh (19/5/1890 – 19/5/2020), Đảng ủy, HĐND, UBND, "
      "Ủy ban MTTQ phường tổ chức dâng hương tưởng niệm.",
      "Buổi lễ diễn ra trang trọng, bảo đảm các quy định về phòng, chống dịch."],
     ["kỷ niệm"], None, False),
    ("2020-06-14 07:30", "hoat-dong-to-dan-pho", "Ra quân tổng vệ sinh môi trường hưởng ứng Ngày Môi trường thế giới",
     "Gần 400 người dân của 12 tổ dân phố tham gia thu gom rác, khơi thông cống rãnh.",
     ["Sáng Chủ nhật 14/6, hưởng ứng Ngày Môi trường thế giới, phường phát động ra quân tổng vệ sinh "
      "môi trường tại tất cả 12 tổ dân phố.",
      "Kết quả, lực lượng tham gia đã thu gom khoảng 6 tấn rác thải, phát quang bụi rậm và khơi thông "
      "nhiều đoạn cống rãnh."],
     ["môi trường", "tổ dân phố"], ["Đoàn viên thanh niên thu gom rác ven hồ", "Người dân Tổ dân phố số 2 quét dọn ngõ",
                                    "Xe thu gom của công ty môi trường"], False),
    ("2020-07-27 09:00", "tin-tuc-su-kien", "Gặp mặt, tri ân người có công nhân kỷ niệm 73 năm Ngày Thương binh – Liệt sĩ",
     "Phường gặp mặt 60 đại biểu là thương binh, bệnh binh, thân nhân liệt sĩ.",
     ["Nhân kỷ niệm 73 năm Ngày Thương binh – Liệt sĩ, UBND phường tổ chức gặp mặt, tặng quà các đại biểu "
      "người có công với cách mạng.",
      "Lãnh đạo phường bày tỏ lòng biết ơn sâu sắc và mong các cụ tiếp tục là tấm gương cho con cháu."],
     ["người có công"], None, False),
    ("2020-08-10 08:00", "thong-bao", "Lịch tiếp công dân của lãnh đạo UBND phường",
     "Chủ tịch UBND phường tiếp công dân định kỳ vào sáng thứ Năm tuần thứ hai và thứ tư hằng tháng.",
     ["UBND phường thông báo lịch tiếp công dân định kỳ: Chủ tịch UBND phường tiếp vào sáng thứ Năm tuần thứ hai "
      "và tuần thứ tư hằng tháng tại Phòng tiếp công dân, trụ sở UBND phường.",
      "Công dân đến liên hệ mang theo giấy tờ tùy thân và các tài liệu liên quan đến nội dung kiến nghị."],
     ["tiếp công dân"], None, False),
    ("2020-09-05 08:30", "tin-tuc-su-kien", "Các trường học trên địa bàn phường khai giảng năm học mới",
     "Lễ khai giảng năm học 2020 – 2021 được tổ chức gọn nhẹ, an toàn.",
     ["Sáng 05/9, các trường mầm non, tiểu học và trung học cơ sở trên địa bàn phường đồng loạt tổ chức "
      "lễ khai giảng năm học 2020 – 2021.",
      "Lãnh đạo phường đến dự và tặng hoa chúc mừng thầy cô giáo, các em học sinh."],
     ["giáo dục"], ["Học sinh lớp 1 trong ngày khai trường", "Tiết mục văn nghệ chào mừng năm học mới"], False),
    ("2020-09-22 14:00", "hoat-dong-to-dan-pho", "Tổ dân phố số 9 tổ chức Tết Trung thu cho thiếu nhi",
     "Hơn 120 cháu thiếu nhi được vui Trung thu với mâm cỗ, đèn ông sao và văn nghệ.",
     ["Tối 30/9, Tổ dân phố số 9 tổ chức vui Tết Trung thu cho các cháu thiếu nhi tại nhà văn hóa tổ.",
      "Chương trình có phá cỗ, rước đèn và trao quà cho các cháu có thành tích học tập tốt."],
     ["Trung thu", "thiếu nhi", "tổ dân phố số 9"], None, False),
    ("2020-10-15 08:00", "thong-bao", "Thông báo thu gom rác thải cồng kềnh tháng 10",
     "Rác cồng kềnh được thu gom vào sáng thứ Bảy 24/10 tại các điểm tập kết của từng tổ dân phố.",
     ["Để giữ gìn cảnh quan, UBND phường phối hợp với đơn vị môi trường tổ chức thu gom rác thải cồng kềnh "
      "(bàn ghế, tủ, giường cũ…) vào sáng thứ Bảy 24/10/2020.",
      "Đề nghị các hộ gia đình tập kết đúng nơi quy định trước 7 giờ sáng, không để rác ra lòng đường."],
     ["môi trường", "thu gom rác"], None, False),
    ("2020-10-20 09:30", "tin-tuc-su-kien", "Phường quyên góp ủng hộ đồng bào miền Trung khắc phục lũ lụt",
     "Cán bộ và nhân dân phường ủng hộ hơn 180 triệu đồng cùng nhiều nhu yếu phẩm.",
     ["Hưởng ứng lời kêu gọi của Ủy ban Trung ương MTTQ Việt Nam, phường đã phát động quyên góp ủng hộ "
      "đồng bào các tỉnh miền Trung bị thiệt hại do mưa lũ.",
      "Sau một tuần, phường đã tiếp nhận hơn 180 triệu đồng cùng quần áo, sách vở và lương thực."],
     ["từ thiện", "miền Trung"], None, False),
    ("2020-11-18 08:00", "tin-tuc-su-kien", "Ngày hội Đại đoàn kết toàn dân tộc tại các khu dân cư",
     "12 tổ dân phố tổ chức Ngày hội Đại đoàn kết, biểu dương các gia đình văn hóa tiêu biểu.",
     ["Nhân kỷ niệm 90 năm Ngày thành lập Mặt trận Dân tộc thống nhất Việt Nam (18/11), các khu dân cư "
      "trong phường đồng loạt tổ chức Ngày hội Đại đoàn kết toàn dân tộc.",
      "Ngày hội có phần lễ biểu dương gia đình văn hóa tiêu biểu và phần hội với các trò chơi dân gian."],
     ["đại đoàn kết", "Mặt trận"], ["Tiết mục văn nghệ của Chi hội Phụ nữ", "Trò chơi kéo co của các tổ dân phố"],
     False),
    ("2020-12-22 09:00", "hoat-dong-to-dan-pho", "Tổ dân phố số 7 hoàn thành sửa chữa nhà văn hóa",
     "Nhà văn hóa được cải tạo nhờ nguồn xã hội hóa và sự đóng góp ngày công của người dân.",
     ["Sau hai tháng thi công, nhà văn hóa Tổ dân phố số 7 đã được sửa mái, lát lại nền và lắp đặt "
      "thêm hệ thống âm thanh.",
      "Công trình phục vụ các buổi sinh hoạt tổ dân phố, câu lạc bộ dưỡng sinh và lớp học kỹ năng cho thiếu nhi."],
     ["tổ dân phố số 7", "nhà văn hóa"], None, False),
    ("2021-01-12 08:00", "thong-bao", "Thông báo lịch nghỉ Tết Nguyên đán Tân Sửu 2021",
     "Bộ phận một cửa nghỉ Tết từ 10/02 đến hết 16/02/2021; trực tiếp nhận hồ sơ khai tử vẫn duy trì.",
     ["UBND phường thông báo lịch nghỉ Tết Nguyên đán Tân Sửu 2021: cán bộ, công chức nghỉ từ thứ Tư "
      "10/02/2021 đến hết thứ Ba 16/02/2021.",
      "Trong thời gian nghỉ Tết, phường bố trí cán bộ trực để tiếp nhận đăng ký khai tử và giải quyết "
      "các việc đột xuất. Số điện thoại trực được niêm yết tại trụ sở UBND phường."],
     ["Tết", "một cửa"], None, False),
    ("2021-01-29 10:00", "tin-tuc-su-kien",
     "{ward} tổ chức hội nghị triển khai chương trình công tác năm 2021",
     "Hội nghị đánh giá kết quả năm 2020 và đề ra các nhiệm vụ trọng tâm, mừng Đảng, mừng Xuân Tân Sửu.",
     ["Ngày 29/01, tại hội trường UBND phường, Đảng ủy – HĐND – UBND – Ủy ban MTTQ phường tổ chức hội nghị "
      "triển khai chương trình công tác năm 2021.",
      "Dự hội nghị có bí thư các chi bộ, tổ trưởng, tổ phó 12 tổ dân phố, trưởng các đoàn thể cùng đại diện "
      "công an, trạm y tế và các trường học trên địa bàn.",
      "<h2>Nhìn lại năm 2020</h2>",
      "Dù chịu ảnh hưởng nặng nề của dịch bệnh, phường vẫn hoàn thành các chỉ tiêu chủ yếu: thu ngân sách "
      "vượt dự toán, giữ vững an ninh trật tự, chăm lo tốt cho các gia đình chính sách và hộ khó khăn.",
      "<h2>Nhiệm vụ năm 2021</h2>",
      "<ul><li>Chuẩn bị chu đáo cuộc bầu cử đại biểu Quốc hội khóa XV và đại biểu HĐND các cấp;</li>"
      "<li>Đẩy mạnh cải cách hành chính, tiếp nhận hồ sơ trực tuyến;</li>"
      "<li>Chỉnh trang đô thị, giữ gìn vệ sinh môi trường;</li>"
      "<li>Chủ động phòng, chống dịch COVID-19.</li></ul>",
      "Dịp này, phường khen thưởng các tập thể, cá nhân tiêu biểu trong phong trào thi đua năm 2020."],
     ["hội nghị", "chương trình công tác", "năm 2021"],
     ["Quang cảnh hội nghị tại hội trường UBND phường", "Lãnh đạo phường phát biểu chỉ đạo",
      "Các đại biểu biểu quyết thông qua chương trình công tác", "Khen thưởng tập thể tiêu biểu năm 2020"],
     False),
    ("2021-02-04 15:00", "hoat-dong-to-dan-pho", "Gói bánh chưng tặng hộ khó khăn đón Tết",
     "Chi hội Phụ nữ Tổ dân phố số 3 gói 200 chiếc bánh chưng tặng các hộ khó khăn.",
     ["Những ngày giáp Tết, Chi hội Phụ nữ Tổ dân phố số 3 tổ chức gói bánh chưng tặng các hộ khó khăn "
      "và người già neo đơn trong phường.",
      "Hoạt động nhận được sự ủng hộ nhiệt tình của các hộ kinh doanh trên địa bàn."],
     ["Tết", "tổ dân phố số 3", "phụ nữ"], ["Các chị em phụ nữ gói bánh chưng", "Trao bánh cho các hộ khó khăn"], False),
    ("2021-02-26 08:00", "bau-cu", "Hội nghị hiệp thương lần thứ nhất chuẩn bị bầu cử đại biểu HĐND",
     "Hội nghị thỏa thuận cơ cấu, thành phần, số lượng người được giới thiệu ứng cử đại biểu HĐND phường.",
     ["Ban Thường trực Ủy ban MTTQ phường tổ chức Hội nghị hiệp thương lần thứ nhất nhằm thỏa thuận về "
      "cơ cấu, thành phần, số lượng người của các cơ quan, tổ chức, đơn vị được giới thiệu ứng cử.",
      "Hội nghị thống nhất phân bổ số lượng người ứng cử theo từng đơn vị bầu cử của phường."],
     ["bầu cử", "hiệp thương"], None, False),
    ("2021-03-10 09:00", "bau-cu", "Thành lập các Tổ bầu cử tại khu vực bỏ phiếu của phường",
     "Phường thành lập Tổ bầu cử cho từng khu vực bỏ phiếu, mỗi tổ gồm đại diện cơ quan và các tổ dân phố.",
     ["UBND phường đã ban hành quyết định thành lập các Tổ bầu cử tại các khu vực bỏ phiếu.",
      "Các Tổ bầu cử có nhiệm vụ niêm yết danh sách cử tri, bố trí phòng bỏ phiếu và tổ chức bỏ phiếu "
      "vào ngày 23/5/2021."],
     ["bầu cử", "khu vực bỏ phiếu"], None, False),
    ("2021-04-02 08:00", "bau-cu", "Niêm yết danh sách cử tri bầu cử đại biểu Quốc hội khóa XV và HĐND các cấp",
     "Cử tri kiểm tra danh sách tại nhà văn hóa các tổ dân phố và trụ sở UBND phường từ ngày 13/4.",
     ["UBND phường thông báo danh sách cử tri được niêm yết tại trụ sở UBND phường và tại các điểm "
      "bỏ phiếu từ ngày 13/4/2021.",
      "Cử tri phát hiện sai sót trong danh sách đề nghị báo ngay cho Tổ bầu cử hoặc UBND phường để được "
      "điều chỉnh kịp thời."],
     ["bầu cử", "danh sách cử tri"], None, False),
    ("2021-04-18 08:30", "bau-cu", "Hội nghị hiệp thương lần thứ ba lập danh sách người ứng cử",
     "Hội nghị lập danh sách chính thức những người đủ tiêu chuẩn ứng cử đại biểu HĐND phường.",
     ["Căn cứ kết quả lấy ý kiến cử tri nơi cư trú và nơi công tác, hội nghị đã lập danh sách chính thức "
      "những người đủ tiêu chuẩn ứng cử đại biểu HĐND phường nhiệm kỳ 2021 – 2026.",
      "Danh sách được gửi đến Ủy ban bầu cử để công bố theo quy định."],
     ["bầu cử", "hiệp thương"], None, False),
    ("2021-05-08 09:00", "bau-cu", "Người ứng cử đại biểu HĐND phường tiếp xúc cử tri",
     "Các ứng cử viên trình bày chương trình hành động và lắng nghe ý kiến cử tri các tổ dân phố.",
     ["Tại các hội nghị tiếp xúc cử tri, những người ứng cử đã trình bày chương trình hành động nếu được "
      "bầu làm đại biểu HĐND phường.",
      "Cử tri kiến nghị nhiều nội dung về chỉnh trang ngõ phố, trật tự lòng đường vỉa hè và chất lượng "
      "dịch vụ công."],
     ["bầu cử", "tiếp xúc cử tri"], ["Cử tri Tổ dân phố số 6 phát biểu ý kiến", "Người ứng cử trình bày chương trình hành động"],
     False),
    ("2021-05-15 08:00", "thong-bao", "Thông báo: Ngày bầu cử Chủ nhật 23/5/2021, cử tri đi bỏ phiếu từ 7 giờ",
     "Các khu vực bỏ phiếu mở cửa từ 7 giờ đến 19 giờ. Cử tri mang theo thẻ cử tri và giấy tờ tùy thân.",
     ["Cuộc bầu cử đại biểu Quốc hội khóa XV và đại biểu HĐND các cấp nhiệm kỳ 2021 – 2026 diễn ra vào "
      "Chủ nhật 23/5/2021.",
      "Việc bỏ phiếu bắt đầu từ 7 giờ và kết thúc lúc 19 giờ cùng ngày. Cử tri đeo khẩu trang, giữ khoảng cách "
      "và sát khuẩn tay khi vào phòng bỏ phiếu.",
      "Mọi thắc mắc xin liên hệ Tổ bầu cử tại khu vực bỏ phiếu của mình."],
     ["bầu cử", "ngày bầu cử"], None, True),
    ("2021-05-23 11:00", "bau-cu", "Cử tri {ward_lower} nô nức đi bầu cử",
     "Đến trưa 23/5, nhiều khu vực bỏ phiếu đã có trên 80% cử tri đi bầu.",
     ["Ngay từ sáng sớm, cử tri các tổ dân phố đã có mặt tại các khu vực bỏ phiếu. Lễ khai mạc diễn ra "
      "trang trọng lúc 7 giờ.",
      "Các khu vực bỏ phiếu bố trí lối đi riêng, hỗ trợ người cao tuổi và người khuyết tật; công tác phòng, "
      "chống dịch được thực hiện nghiêm."],
     ["bầu cử", "ngày bầu cử"], ["Cử tri cao tuổi bỏ phiếu tại khu vực bỏ phiếu số 1", "Khai mạc bỏ phiếu lúc 7 giờ",
                                 "Hòm phiếu phụ phục vụ cử tri ốm đau"], False),
    ("2021-05-27 16:00", "bau-cu", "Công bố kết quả bầu cử đại biểu HĐND phường nhiệm kỳ 2021 – 2026",
     "Tỷ lệ cử tri đi bầu đạt 99,6%; 25 đại biểu trúng cử HĐND phường.",
     ["Ủy ban bầu cử phường đã công bố kết quả bầu cử đại biểu HĐND phường nhiệm kỳ 2021 – 2026.",
      "Tỷ lệ cử tri đi bầu trên toàn phường đạt 99,6%. Danh sách người trúng cử được niêm yết tại trụ sở "
      "UBND phường."],
     ["bầu cử", "kết quả bầu cử"], None, False),
    ("2021-06-05 07:30", "hoat-dong-to-dan-pho", "Tổ dân phố số 11 trồng cây xanh dọc tuyến phố",
     "40 cây bằng lăng được trồng mới, các hộ dân nhận chăm sóc từng cây.",
     ["Hưởng ứng Tháng hành động vì môi trường, Tổ dân phố số 11 trồng mới 40 cây bằng lăng dọc tuyến phố.",
      "Mỗi hộ gia đình đăng ký nhận chăm sóc một cây trước cửa nhà."],
     ["môi trường", "cây xanh", "tổ dân phố số 11"], None, False),
    ("2021-07-12 08:00", "thong-bao", "Thông báo tiếp nhận hồ sơ trực tuyến tại bộ phận một cửa",
     "Người dân có thể nộp hồ sơ chứng thực, hộ tịch qua Cổng dịch vụ công, hạn chế đến trụ sở.",
     ["Để giảm tập trung đông người, UBND phường khuyến khích người dân nộp hồ sơ trực tuyến qua Cổng "
      "dịch vụ công đối với các thủ tục hộ tịch, chứng thực.",
      "Cán bộ bộ phận một cửa sẵn sàng hướng dẫn qua điện thoại trong giờ hành chính."],
     ["một cửa", "dịch vụ công"], None, False),
    ("2021-08-02 09:00", "tin-tuc-su-kien", "Phường thành lập các Tổ COVID cộng đồng",
     "Mỗi tổ dân phố có một Tổ COVID cộng đồng hỗ trợ giám sát y tế và cung ứng nhu yếu phẩm.",
     ["UBND phường đã thành lập các Tổ COVID cộng đồng tại 12 tổ dân phố, gồm tổ trưởng dân phố, "
      "y tế khu vực, công an khu vực và đoàn viên thanh niên.",
      "Các tổ có nhiệm vụ nắm tình hình người về từ vùng dịch, hỗ trợ hộ gia đình cách ly và tuyên truyền "
      "các biện pháp phòng dịch."],
     ["phòng chống dịch", "Tổ COVID cộng đồng"], None, False),
    ("2021-09-20 17:00", "hoat-dong-to-dan-pho", "Trung thu yêu thương cho thiếu nhi trong mùa dịch",
     "Các tổ dân phố trao quà Trung thu tận nhà cho gần 600 cháu thiếu nhi.",
     ["Do tình hình dịch bệnh, năm nay các tổ dân phố không tổ chức vui Trung thu tập trung mà trao quà "
      "tận nhà cho các cháu.",
      "Mỗi phần quà gồm bánh nướng, bánh dẻo, đèn ông sao và sách vở."],
     ["Trung thu", "thiếu nhi"], None, False),
    ("2021-11-19 08:00", "tin-tuc-su-kien", "Ngày hội Đại đoàn kết năm 2021 tổ chức an toàn",
     "Ngày hội được tổ chức với quy mô nhỏ, kết hợp trao quà cho hộ khó khăn bị ảnh hưởng bởi dịch.",
     ["Năm 2021, Ngày hội Đại đoàn kết toàn dân tộc tại các khu dân cư được tổ chức gọn nhẹ, an toàn.",
      "Dịp này, Ủy ban MTTQ phường trao 120 suất quà cho các hộ gặp khó khăn do ảnh hưởng của dịch bệnh."],
     ["đại đoàn kết", "Mặt trận"], None, False),
    ("2021-12-15 08:00", "thong-bao", "Thông báo lịch tiêm vắc xin phòng COVID-19 mũi nhắc lại",
     "Trạm Y tế phường tổ chức tiêm mũi nhắc lại cho người từ 18 tuổi trở lên vào các ngày 18 – 19/12.",
     ["Trạm Y tế phường thông báo lịch tiêm mũi nhắc lại vắc xin phòng COVID-19 cho người từ 18 tuổi trở lên "
      "đã tiêm đủ hai mũi cơ bản trên 3 tháng.",
      "Người dân đến điểm tiêm theo khung giờ được tổ dân phố thông báo, mang theo căn cước công dân."],
     ["y tế", "tiêm chủng"], None, False),
]


def _font(size: int):
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
                 "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"):
        if Path(path).exists():
            return ImageFont.truetype(path, size), True
    try:
        return ImageFont.load_default(size), False
    except TypeError:  # old Pillow
        return ImageFont.load_default(), False


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines[:4]


def draw_picture(text: str, palette, seed: int, size=(1280, 800)) -> bytes:
    """A gradient "photo" with simple shapes and the caption drawn on it, as JPEG bytes."""
    rng = random.Random(seed)
    dark, light = palette
    width, height = size
    image = Image.new("RGB", size)
    pixels = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        pixels.line([(0, y), (width, y)], fill=tuple(int(dark[i] * (1 - t) + light[i] * t) for i in range(3)))
    for _circle in range(14):  # soft "bokeh" circles
        r = rng.randint(30, 140)
        x, y = rng.randint(0, width), rng.randint(0, height)
        shade = tuple(min(255, c + rng.randint(20, 70)) for c in light)
        pixels.ellipse([x - r, y - r, x + r, y + r], outline=shade, width=4)
    # A stage and rows of seats, like a hall.
    pixels.rectangle([width * 0.15, height * 0.12, width * 0.85, height * 0.38], fill=(250, 245, 235))
    pixels.rectangle([width * 0.15, height * 0.12, width * 0.85, height * 0.16], fill=dark)
    for row in range(4):
        for col in range(14):
            cx = width * 0.1 + col * width * 0.058 + (row % 2) * 12
            cy = height * 0.5 + row * 48
            pixels.ellipse([cx, cy, cx + 26, cy + 26], fill=tuple(int(c * 0.55) for c in dark))
    font, unicode_ok = _font(44)
    caption = text if unicode_ok else strip_marks(text)
    y = height * 0.2
    for line in _wrap(caption, 34):
        box = pixels.textbbox((0, 0), line, font=font)
        pixels.text(((width - (box[2] - box[0])) / 2, y), line, font=font, fill=dark)
        y += (box[3] - box[1]) + 12
    pixels.rectangle([0, height - 60, width, height], fill=(0, 0, 0))
    small, _ok = _font(26)
    footer = "Cổng thông tin " + ward_settings(current_app.config)["ward_lower"]
    pixels.text((24, height - 46), footer if unicode_ok else strip_marks(footer),
                font=small, fill=(255, 255, 255))
    angle = rng.random() * math.pi
    pixels.line([(0, height * 0.9), (width, height * 0.9 - math.sin(angle) * 40)], fill=light, width=3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _editor():
    from civic.accounts.models import User
    from civic.accounts.services import create_user
    from civic.core.permissions import Role

    user = db.session.scalar(sa.select(User).where(User.email == EDITOR_EMAIL))
    if user is None:
        user = create_user(EDITOR_EMAIL, "Lê Thị Thu Trang", secrets.token_urlsafe(16), role=Role.EDITOR, verified=True)
        db.session.commit()
    return user


def load_demo() -> list[str]:
    services.ensure_default_categories()
    db.session.commit()
    editor = _editor()
    ward = ward_settings(current_app.config)
    created = 0
    for index, (when, category, title, summary, paragraphs, tags, album, pinned) in enumerate(ARTICLES):
        # Written with {ward}/{ward_lower}: the articles name the ward the portal is configured for.
        title, summary = fill_ward(title, ward), fill_ward(summary, ward)
        paragraphs = [fill_ward(p, ward) for p in paragraphs]
        tags = [fill_ward(t, ward) for t in tags]
        album = [fill_ward(c, ward) for c in album] if album else album
        slug = slugify(title)
        if db.session.scalar(sa.select(Article.id).where(Article.slug == slug)) is not None:
            continue
        published_at = local_to_utc(datetime.strptime(when, "%Y-%m-%d %H:%M"))
        body = "".join(p if p.startswith("<") else f"<p>{p}</p>" for p in paragraphs)
        article = services.create_article(
            services.ArticleInput(title=title, summary=summary, body=body, category=category, status="published",
                                  tags=tags, byline=BYLINE, slug=slug),
            editor,
            now=published_at,
        )
        palette = PALETTES[category]
        services.add_image(article, draw_picture(title, palette, index), "cover", title, editor)
        for n, caption in enumerate(album or []):
            services.add_image(article, draw_picture(caption, palette, index * 100 + n), "album", caption, editor)
        article.created_at = article.updated_at = published_at
        if pinned:
            article.pinned = True
            article.pinned_at = published_at
        for revision in article.revisions:
            revision.created_at = published_at
        db.session.commit()
        created += 1
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Article))
    return [_("News articles: %(total)s (%(new)s new)", total=total, new=created)]
