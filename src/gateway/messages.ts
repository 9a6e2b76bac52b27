/**
 * Localized error messages (§2: en, zh, zh-Hant, ja, vi; default en) and locale selection
 * (§12: X-LOCALE over Accept-Language; unknown → en).
 */
export const GATEWAY_LOCALES = ['en', 'zh', 'zh-Hant', 'ja', 'vi'] as const;
export type GatewayLocale = (typeof GATEWAY_LOCALES)[number];

type Texts = Record<GatewayLocale, string>;

export const MESSAGES = {
  SUCCESS: { en: 'SUCCESS', zh: 'SUCCESS', 'zh-Hant': 'SUCCESS', ja: 'SUCCESS', vi: 'SUCCESS' },
  NOT_FOUND: {
    en: 'Resource not found', zh: '资源不存在', 'zh-Hant': '資源不存在', ja: 'リソースが見つかりません', vi: 'Không tìm thấy tài nguyên',
  },
  METHOD_NOT_ALLOWED: {
    en: 'Method not allowed', zh: '不支持的请求方法', 'zh-Hant': '不支援的請求方法', ja: 'このメソッドは許可されていません', vi: 'Phương thức không được phép',
  },
  PAYLOAD_TOO_LARGE: {
    en: 'Request body is too large (limit {limit} bytes)', zh: '请求体过大（上限 {limit} 字节）', 'zh-Hant': '請求內容過大（上限 {limit} 位元組）',
    ja: 'リクエスト本文が大きすぎます（上限 {limit} バイト）', vi: 'Nội dung yêu cầu quá lớn (giới hạn {limit} byte)',
  },
  INTERNAL_ERROR: {
    en: 'Internal server error', zh: '服务器内部错误', 'zh-Hant': '伺服器內部錯誤', ja: 'サーバー内部エラー', vi: 'Lỗi máy chủ nội bộ',
  },
  HEADER_MISSING: {
    en: 'Missing required header: {header}', zh: '缺少必需的请求头：{header}', 'zh-Hant': '缺少必要的請求標頭：{header}',
    ja: '必須ヘッダーがありません: {header}', vi: 'Thiếu header bắt buộc: {header}',
  },
  HEADER_INVALID: {
    en: 'Invalid value of header: {header}', zh: '请求头的值无效：{header}', 'zh-Hant': '請求標頭的值無效：{header}',
    ja: 'ヘッダーの値が無効です: {header}', vi: 'Giá trị header không hợp lệ: {header}',
  },
  PORTAL_CODE_INVALID: {
    en: 'Invalid or missing portal access code', zh: '门户访问码无效或缺失', 'zh-Hant': '入口網站存取碼無效或缺少',
    ja: 'ポータルアクセスコードが無効または未指定です', vi: 'Mã truy cập cổng không hợp lệ hoặc bị thiếu',
  },
  RATE_LIMITED: {
    en: 'Too many requests; retry after {seconds} seconds', zh: '请求过于频繁，请在 {seconds} 秒后重试', 'zh-Hant': '請求過於頻繁，請在 {seconds} 秒後重試',
    ja: 'リクエストが多すぎます。{seconds} 秒後に再試行してください', vi: 'Quá nhiều yêu cầu; hãy thử lại sau {seconds} giây',
  },
  SC_INVALID_PAYLOAD: {
    en: 'Invalid secure channel payload', zh: '安全通道载荷无效', 'zh-Hant': '安全通道酬載無效', ja: 'セキュアチャネルのペイロードが無効です', vi: 'Dữ liệu kênh bảo mật không hợp lệ',
  },
  SC_SESSION_NOT_FOUND: {
    en: 'Secure channel session not found or expired', zh: '安全通道会话不存在或已过期', 'zh-Hant': '安全通道工作階段不存在或已過期',
    ja: 'セキュアチャネルのセッションが見つからないか期限切れです', vi: 'Không tìm thấy phiên kênh bảo mật hoặc phiên đã hết hạn',
  },
  SC_REPLAY: {
    en: 'Replay detected: this message was already received', zh: '检测到重放：该消息已被接收过', 'zh-Hant': '偵測到重放：此訊息已被接收過',
    ja: 'リプレイを検出しました: このメッセージは受信済みです', vi: 'Phát hiện phát lại: thông điệp này đã được nhận',
  },
  SC_SESSION_HEADER_REQUIRED: {
    en: 'Session ID header is required', zh: '缺少会话 ID 请求头', 'zh-Hant': '缺少工作階段 ID 標頭', ja: 'セッション ID ヘッダーが必要です', vi: 'Cần có header ID phiên',
  },
  SC_KEY_ID_INVALID: {
    en: 'Invalid or expired RSA key ID', zh: 'RSA 密钥 ID 无效或已过期', 'zh-Hant': 'RSA 金鑰 ID 無效或已過期', ja: 'RSA キー ID が無効または期限切れです', vi: 'ID khóa RSA không hợp lệ hoặc đã hết hạn',
  },
  SC_KEY_DECRYPT_FAILED: {
    en: 'Failed to decrypt session keys', zh: '会话密钥解密失败', 'zh-Hant': '工作階段金鑰解密失敗', ja: 'セッションキーの復号に失敗しました', vi: 'Không thể giải mã khóa phiên',
  },
  PUBLIC_KEY_FAILED: {
    en: 'Failed to retrieve public key', zh: '获取公钥失败', 'zh-Hant': '取得公開金鑰失敗', ja: '公開鍵の取得に失敗しました', vi: 'Không thể lấy khóa công khai',
  },
  FINGERPRINT_MISMATCH: {
    en: 'Client fingerprint does not match', zh: '客户端指纹不匹配', 'zh-Hant': '用戶端指紋不相符', ja: 'クライアントのフィンガープリントが一致しません', vi: 'Dấu vân tay máy khách không khớp',
  },
  VALIDATION_FAILED: {
    en: 'Invalid request parameters', zh: '请求参数无效', 'zh-Hant': '請求參數無效', ja: 'リクエストパラメーターが無効です', vi: 'Tham số yêu cầu không hợp lệ',
  },
  V_UNKNOWN_FIELD: { en: 'Unknown field', zh: '未知字段', 'zh-Hant': '未知欄位', ja: '不明なフィールドです', vi: 'Trường không xác định' },
  V_REQUIRED: { en: 'Required', zh: '必填', 'zh-Hant': '必填', ja: '必須です', vi: 'Bắt buộc' },
  V_STRING: { en: 'Must be a string', zh: '必须是字符串', 'zh-Hant': '必須是字串', ja: '文字列である必要があります', vi: 'Phải là chuỗi' },
  V_NONEMPTY: { en: 'Must not be empty', zh: '不能为空', 'zh-Hant': '不能為空', ja: '空にできません', vi: 'Không được để trống' },
  V_INTEGER: { en: 'Must be an integer', zh: '必须是整数', 'zh-Hant': '必須是整數', ja: '整数である必要があります', vi: 'Phải là số nguyên' },
  V_LENGTH: {
    en: 'Must be {min} to {max} characters', zh: '长度必须为 {min} 到 {max} 个字符', 'zh-Hant': '長度必須為 {min} 到 {max} 個字元',
    ja: '{min}〜{max} 文字である必要があります', vi: 'Phải có từ {min} đến {max} ký tự',
  },
  V_OBJECT: {
    en: 'Request body must be a JSON object', zh: '请求体必须是 JSON 对象', 'zh-Hant': '請求內容必須是 JSON 物件',
    ja: 'リクエスト本文は JSON オブジェクトである必要があります', vi: 'Nội dung yêu cầu phải là đối tượng JSON',
  },
  V_MFA_METHOD: {
    en: 'Unsupported MFA method', zh: '不支持的多因素认证方式', 'zh-Hant': '不支援的多重要素驗證方式', ja: 'サポートされていない MFA 方式です', vi: 'Phương thức MFA không được hỗ trợ',
  },
  INVALID_CREDENTIALS: {
    en: 'Invalid email or password', zh: '邮箱或密码错误', 'zh-Hant': '電子郵件或密碼錯誤', ja: 'メールアドレスまたはパスワードが正しくありません', vi: 'Email hoặc mật khẩu không đúng',
  },
  MFA_CODE_INVALID: {
    en: 'Invalid verification code', zh: '验证码无效', 'zh-Hant': '驗證碼無效', ja: '認証コードが無効です', vi: 'Mã xác minh không hợp lệ',
  },
  LOGIN_SESSION_INVALID: {
    en: 'Authentication session was not found', zh: '登录会话无效或已过期', 'zh-Hant': '登入工作階段無效或已過期', ja: 'ログインセッションが無効または期限切れです', vi: 'Phiên đăng nhập không hợp lệ hoặc đã hết hạn',
  },
  REFRESH_TOKEN_INVALID: {
    en: 'Invalid or expired refresh token', zh: '刷新令牌无效或已过期', 'zh-Hant': '重新整理權杖無效或已過期', ja: 'リフレッシュトークンが無効または期限切れです', vi: 'Mã làm mới không hợp lệ hoặc đã hết hạn',
  },
  TOKEN_MISSING: {
    en: 'Access token is missing', zh: '缺少访问令牌', 'zh-Hant': '缺少存取權杖', ja: 'アクセストークンがありません', vi: 'Thiếu mã truy cập',
  },
  TOKEN_INVALID: {
    en: 'Access token is invalid or expired', zh: '访问令牌无效或已过期', 'zh-Hant': '存取權杖無效或已過期', ja: 'アクセストークンが無効または期限切れです', vi: 'Mã truy cập không hợp lệ hoặc đã hết hạn',
  },
} satisfies Record<string, Texts>;

export type MessageKey = keyof typeof MESSAGES;

export function t(key: MessageKey, locale: GatewayLocale, params?: Record<string, string | number>): string {
  const template = MESSAGES[key][locale] ?? MESSAGES[key].en;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Maps a language tag to a supported locale, or undefined. `zh-TW`/`zh-HK`/`zh-MO`/`zh-Hant*` → zh-Hant. */
export function matchLocale(tag: string): GatewayLocale | undefined {
  const s = tag.trim().toLowerCase().replace(/_/g, '-');
  if (!s) return undefined;
  const [lang, ...rest] = s.split('-');
  switch (lang) {
    case 'en': return 'en';
    case 'ja': return 'ja';
    case 'vi': return 'vi';
    case 'zh': {
      if (rest.includes('hant') || rest.some((r) => r === 'tw' || r === 'hk' || r === 'mo')) return 'zh-Hant';
      return 'zh';
    }
    default: return undefined;
  }
}

/** §12: X-LOCALE wins when it names a supported locale; then Accept-Language by q-value; else en. */
export function selectLocale(xLocale: string | undefined, acceptLanguage: string | undefined): GatewayLocale {
  if (xLocale) {
    const m = matchLocale(xLocale);
    if (m) return m;
  }
  if (acceptLanguage) {
    const ranked = acceptLanguage
      .split(',')
      .map((part, i) => {
        const [tag, ...params] = part.split(';');
        let q = 1;
        for (const p of params) {
          const [k, v] = p.split('=');
          if (k?.trim() === 'q') q = Number(v);
        }
        return { tag: tag ?? '', q: Number.isFinite(q) ? q : 0, i };
      })
      .filter((x) => x.q > 0)
      .sort((a, b) => b.q - a.q || a.i - b.i);
    for (const r of ranked) {
      const m = matchLocale(r.tag);
      if (m) return m;
    }
  }
  return 'en';
}
